"""The standup flow: at standup time, post one digest of everyone's updates to a channel.

The channel is a parameter: the team's channel (MARVIN_STANDUP_CHANNEL, `#general`) on
schedule, `#testing` when run by hand with `marvin run standup`. It is posted to by id,
with the bot a member (`marvin.delivery.channels`), so Slack's history can later prove whether the
digest went out.
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import get_digest_date, get_team, get_updates
from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.digest import digest_messages
from marvin.domain.models import DEFAULT_TEAM, Member, Update
from marvin.domain.quiet_digest import without_mentions
from marvin.domain.run_names import STANDUP_FLOW
from marvin.engine import Flow, Parameter, get_context, task


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def post_digest(
    team: str,
    date: str,
    updates: list[Update],
    members: list[Member],
    channel: str | None = None,
    force: bool = False,
) -> str:
    """Post the digest, at most once per channel and date (even across retries and replicas)."""
    s = services()
    the_team = s.team(team)
    channel = channel or the_team.channel
    members = [m for m in members if m.belongs_on(date)]  # joined later: not missing
    messages = digest_messages(the_team, date, updates, members)
    if channel != the_team.channel:  # by hand elsewhere (#testing): name people, never ping
        messages = without_mentions(messages, members)
    with s.outbox.claim(DeliveryKey.digest(team, date, channel), force=force) as out:
        out.post_parts(channel, messages)
    sent = len(out.sent.timestamps) or len(messages)  # halves count as messages
    summary = f"posted {len(updates)} update(s) to {channel} in {sent} message(s)"
    get_context().logger.info(summary)
    return summary


with Flow(STANDUP_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    standup_channel = Parameter("standup_channel", default=None)
    force = Parameter("force", default=False)

    standup_date = get_digest_date(team, date)
    members = get_team(team)
    updates = get_updates(team, standup_date)
    post_digest(team, standup_date, updates, members, standup_channel, force)
