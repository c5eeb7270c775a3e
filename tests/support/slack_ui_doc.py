"""docs/slack-ui.md, made from the real builders so the page cannot drift from the code.

Regenerate with ``.venv/bin/python -m tests.support.slack_ui_doc > docs/slack-ui.md``;
`tests/test_slack_ui_doc.py` fails while the page differs from what this prints.
"""

from __future__ import annotations

import json
from typing import Any

from marvin.domain.models import Answer, Member, Team, Update
from marvin.domain.standup import reminder_text
from marvin.interactions.reminder_dm import answered_blocks, reminder_blocks
from marvin.interactions.update_modal import update_view

DATE = "2026-11-18"
TEAM = Team()
MEMBER = Member("U0123ABC")

INTRO = """# Marvin's Slack UI

What Marvin shows in Slack besides text answers, as Block Kit JSON. Paste a block into
[Block Kit Builder](https://app.slack.com/block-kit-builder) to see it rendered (for a
modal, choose *Modal* and paste the whole view). The JSON below is generated from the
code (`tests/support/slack_ui_doc.py`; a test fails when this page is out of date), for
the default team and questions on Wednesday 18 November 2026.

The ids Slack sends back are in `marvin/interactions/ui_ids.py`: the modal's
`callback_id`, each question's `block_id` (the question's id, `q1`...) with the input's
`action_id` `answer`, and the buttons' `action_id`s. The modal's `private_metadata`
holds the team, the standup date and a fingerprint of the answers it was opened with,
so a submission can tell that the answers changed meanwhile.
"""


def _json(value: Any) -> str:
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```\n"


def render() -> str:
    update = Update(TEAM.name, DATE, MEMBER.user_id,
                    answers=(Answer("q1", TEAM.questions[0].label, "Reviewed the digest"),))
    reminder = reminder_text(MEMBER, TEAM, DATE)
    skipped = ("You are skipping standup on *Wednesday 18 November*: no more reminders for "
               "it, and the digest shows you as skipped. Changed your mind? `/standup` still "
               "works.")
    sections = [
        INTRO,
        "## The update modal\n\nOpened by `/standup` (no text) and by *Write my update*, with "
        "`views.open` and the trigger_id of the command or click. One multiline text input "
        "per question (at most 3,000 characters each, Slack's own ceiling), optional when "
        "the question is; prefilled with what the person already answered (here, the first "
        "question).\n",
        _json(update_view(TEAM, DATE, update)),
        "On **Save** (a `view_submission`) Marvin answers within Slack's 3 seconds with one "
        "of: `response_action: errors` keyed by the question's block_id (a required answer "
        "left empty, one over 3,000 characters, or, on the first question, why nothing was "
        "saved: the store is down, the person left their team or moved, the date passed); "
        "`response_action: update` with the same modal showing what is stored now above "
        "what they typed (the answers changed elsewhere meanwhile); or `response_action: "
        "update` with a short *Saved* view. A confirmation in the modal itself costs no "
        "Web API call inside the 3 seconds and needs no DM, and it is where the person is "
        "looking.\n",
        "## The reminder DM\n\nSent once per member and date by the reminder flow. The text "
        "is also the notification and the fallback for clients without blocks. Both buttons "
        "carry the standup date as their value.\n",
        _json({"text": reminder, "blocks": reminder_blocks(reminder, DATE)}),
        "After *Skip today* (or a button from another day) Marvin rewrites the DM with "
        "`chat.update`, without buttons:\n",
        _json({"text": skipped, "blocks": answered_blocks(skipped)}),
    ]
    return "\n".join(sections)


if __name__ == "__main__":
    print(render(), end="")
