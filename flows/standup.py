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
from flows.delivery import (
    Attempt,
    DeliveryUnknown,
    PartlySent,
    deliver,
    read_sent_detail,
    sent_detail,
)
from flows.digest_parts import PartSender
from flows.services import services
from marvin.delivery.channels import ChannelProblem, ready_channel
from marvin.domain.digest import digest_messages
from marvin.domain.models import DEFAULT_TEAM, DeliveryKind, Member, Update
from marvin.domain.quiet_digest import without_mentions
from marvin.engine import FAIL, Flow, Parameter, get_context, task
from marvin.slack.protocol import MessageSearch, SlackError


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
    where: list[str] = []  # the channel's id, once it is ready (resolved, joined)
    if channel != the_team.channel:  # by hand elsewhere (#testing): name people, never ping
        messages = without_mentions(messages, members)

    def channel_id() -> str:
        if not where:
            if s.dry_run:
                where.append(channel)
            else:
                try:
                    where.append(ready_channel(s.chat, s.store, channel).id)
                except ChannelProblem as exc:
                    raise FAIL(f"could not post the digest to {channel}: {exc}") from None
        return where[0]

    def find_part(key: str, since: float) -> MessageSearch:
        return s.chat.find_message(channel_id(), key, since)

    def send(attempt: Attempt) -> str:
        target = channel_id()
        sender = PartSender(s.chat, target, attempt)
        try:  # after a crash, parts already out are found, not posted again
            sender.send(messages)
        except DeliveryUnknown:
            raise  # nothing is posted while Slack cannot say what is out
        except Exception as exc:
            unsure = isinstance(exc, SlackError) and exc.may_have_been_sent
            if sender.posted or (unsure and sender.current != f"{attempt.key}#0"):
                # re-posting would repeat what is out; only the takeover knows what is
                total = max(len(messages), len(sender.posted) + 1)
                raise PartlySent(len(sender.posted), total, exc) from exc
            raise
        return sent_detail(target, sender.posted)

    def find(attempt: Attempt) -> MessageSearch:
        """Whether a timed-out single-message digest went out (several parts: unknown)."""
        if len(messages) != 1:
            return MessageSearch.unknown("the digest has several parts; some may be out")
        return find_part(f"{attempt.key}#0", attempt.look_since or 0.0)

    detail = deliver(
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
    _, stamps = read_sent_detail(detail)
    sent = len(stamps) or len(messages)  # halves count as messages
    summary = f"posted {len(updates)} update(s) to {channel} in {sent} message(s)"
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
