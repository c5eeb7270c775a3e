"""Notices: a short message about a member to an admin, a lead or a channel, sent once.

The automations' one way to tell people things. Each notice is a delivery claim
(`DeliveryKey.notice`: team, date, who it is about, who it goes to), so however often
an automation runs for the same thing (a retry, a replica, the same blocker edited, a
deactivated member met again the next day) each person is told once.
"""

from __future__ import annotations

from datetime import timedelta

from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.digest import DigestMessage
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT
from marvin.domain.standup import is_user_id
from marvin.engine import get_context, task


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def send_notice(to: str, team: str, date: str, about: str, text: str) -> str:
    """Tell `to` (a user id: by DM; else a channel) `text`, once per (team, date, about, to)."""
    s = services()
    text = clip(text, ADVISED_MESSAGE_TEXT)
    with s.outbox.claim(DeliveryKey.notice(team, date, about, to)) as out:
        if is_user_id(to):
            out.post_dm(to, text)
        else:
            out.post_parts(to, [DigestMessage(text)])
    get_context().logger.info("told %s about %s", to, about)
    return f"told {to}"
