"""The reminder DM as Block Kit: the reminder's text and its two buttons.

"Write my update" opens the update modal; "Skip today" marks the person as skipping.
Both carry the standup date they remind of as their value, so a click on yesterday's
reminder is recognised as such (`marvin.interactions.update_form.button_expired`).
"""

from __future__ import annotations

from typing import Any

from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import MAX_SECTION_TEXT
from marvin.interactions.ui_ids import REMINDER_ACTIONS, SKIP_TODAY, WRITE_UPDATE

Block = dict[str, Any]


def reminder_blocks(text: str, date: str) -> list[Block]:
    """The reminder (`text`, already mrkdwn-safe) with its buttons for `date`."""
    return [
        *answered_blocks(text),
        {"type": "actions", "block_id": REMINDER_ACTIONS, "elements": [
            _button(WRITE_UPDATE, "Write my update", date, style="primary"),
            _button(SKIP_TODAY, "Skip today", date),
        ]},
    ]


def answered_blocks(text: str) -> list[Block]:
    """The reminder DM once a button has been answered: what happened, no more buttons."""
    return [{"type": "section", "block_id": "reminder",
             "text": {"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT), "verbatim": True}}]


def _button(action_id: str, label: str, value: str, *, style: str = "") -> Block:
    button: Block = {"type": "button", "action_id": action_id, "value": value,
                     "text": {"type": "plain_text", "text": label, "emoji": True}}
    if style:
        button["style"] = style
    return button
