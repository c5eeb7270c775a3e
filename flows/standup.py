"""The standup flow: at standup time, post one digest of everyone's updates to a channel.

The channel is a parameter: the team's channel (MARVIN_STANDUP_CHANNEL, `#general`) on
schedule, `#testing` when run by hand with `marvin run standup`.
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import get_digest_date, get_team, get_updates
from flows.delivery import Attempt, PartlySent, deliver
from marvin.digest import digest_messages
from marvin.engine import Flow, Parameter, get_context, task
from marvin.models import DEFAULT_TEAM, DeliveryKind, Member, Update
from marvin.quiet_digest import without_mentions
from marvin.services import services


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

    def find_part(key: str, since: float) -> str | None:
        return s.chat.find_message(channel, key, since)

    def send(attempt: Attempt) -> str:
        timestamps: list[str] = []
        for part, message in enumerate(messages):
            key = f"{attempt.key}#{part}"
            try:  # after a crash, parts already out are found, not posted again
                ts = attempt.already_sent(find_part, key) or s.chat.post_message(
                    channel, message.text, message.blocks, key=key
                )
            except Exception as exc:
                if timestamps:  # re-posting would repeat the parts already out
                    raise PartlySent(len(timestamps), len(messages), exc) from exc
                raise
            timestamps.append(ts)
        return ",".join(timestamps)

    def find(attempt: Attempt) -> str | None:
        """Whether a timed-out single-message digest went out (several parts: unknown)."""
        return attempt.already_sent(find_part, f"{attempt.key}#0") if len(messages) == 1 else None

    deliver(
        DeliveryKind.DIGEST,
        team,
        date,
        channel,
        send,
        find=find,
        failed=f"could not post the digest to {channel}",
        already=f"the digest for {date} was already posted to {channel}",
        force=force,
    )
    summary = f"posted {len(updates)} update(s) to {channel} in {len(messages)} message(s)"
    get_context().logger.info(summary)
    return summary


with Flow("standup", on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    standup_channel = Parameter("standup_channel", default=None)
    force = Parameter("force", default=False)

    standup_date = get_digest_date(team, date)
    members = get_team(team)
    updates = get_updates(team, standup_date)
    post_digest(team, standup_date, updates, members, standup_channel, force)
