"""A member's time zone, asked of Slack when `marvin team add` adds them.

So a team that reminds each member in their own zone schedules the new member's zone
(and their reminder shows their own time) from the next sync on, not only after the next
reminder run in the team's zone has asked Slack. Without a bot token nothing is asked;
Slack not answering is one line, and the reminder runs ask again.
"""

from __future__ import annotations

from marvin.app import Marvin
from marvin.cli.output import console, err
from marvin.domain.clock import utc_now
from marvin.slack.protocol import SlackError, UserZones


def learn_zone(marvin: Marvin, user_id: str) -> None:
    """Ask Slack for `user_id`'s zone and keep it, saying what was learned."""
    token = marvin.settings.slack_bot_token
    chat = marvin.chat if token is not None and token.get_secret_value() else None
    if not isinstance(chat, UserZones):
        return  # without Slack there is nothing to ask; the reminder runs will
    try:
        zone = chat.user_zone(user_id)
    except SlackError as exc:
        err.print(f"time zone of {user_id}: not known yet (Slack: {exc.error}); the next "
                  "reminder run asks again", markup=False, highlight=False, soft_wrap=True)
        return
    marvin.store.save_member_zone(user_id, zone, utc_now())
    shown = zone or "none in their Slack profile: the team's is used"
    console.print(f"time zone: {shown}", markup=False, highlight=False)
