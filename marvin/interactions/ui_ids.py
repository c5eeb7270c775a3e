"""The ids Marvin gives its Slack UI, and that Slack sends back: one place, so the
listeners, the view and message builders (and App Home) cannot disagree.

Slack names an interaction by these: a button's ``action_id``, a modal's ``callback_id``,
an input's ``block_id`` (here: the question's id) and ``action_id``.
"""

from __future__ import annotations

UPDATE_MODAL = "marvin_update"
"""callback_id of the modal that asks the team's questions."""
ANSWER = "answer"
"""action_id of each question's text input (its block_id is the question's id)."""
WRITE_UPDATE = "marvin_write_update"
"""action_id of "Write my update": opens `UPDATE_MODAL`; its value is the standup date."""
SKIP_TODAY = "marvin_skip_today"
"""action_id of "Skip today"; its value is the standup date."""
REMINDER_ACTIONS = "marvin_reminder_actions"
"""block_id of the reminder DM's buttons."""
