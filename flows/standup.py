"""The standup flow: at standup time, post one digest of everyone's updates to a channel.

The channel is a parameter: the team's channel (MARVIN_STANDUP_CHANNEL, `#general`) on
schedule, `#testing` when run by hand with `marvin run standup`. It is posted to by id,
with the bot a member (`marvin.delivery.channels`), so Slack's history can later prove whether the
digest went out. Each run also keeps the day summaries of the standups that are over
(`record_summaries`), for the standup pages and the reminder-time tuner.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import STORE_RETRY_DELAY, get_digest_date, get_team, get_updates
from flows.services import services
from marvin.delivery.digest_edits import DigestEditor, current_members, members_away
from marvin.delivery.digest_sync import sync_digest
from marvin.delivery.digest_thread import mark_thread, sync_thread, thread_mark
from marvin.delivery.settle import Unfinished
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.digest import digest_messages
from marvin.domain.digest_modes import THREAD
from marvin.domain.digest_thread import thread_parent
from marvin.domain.models import DEFAULT_TEAM, Member, Team, Update
from marvin.domain.quiet_digest import without_mentions
from marvin.domain.run_names import STANDUP_FLOW
from marvin.domain.standup import parse_date, standup_days
from marvin.engine import SKIP, Flow, Parameter, get_context, task
from marvin.reports.day_summaries import day_summaries, is_open


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def record_summaries(team: str, date: str) -> str:
    """Keep the day summaries of `date` and the standup before it, those that are over
    (late updates may still join `date`'s digest for a while: then only the one before
    is), for the standup pages and the tuner. Idempotent: a summary already kept and
    still right is left alone; one made stale by a late edit is written again."""
    s = services()
    the_team = s.team(team)
    dates = standup_days(the_team, (parse_date(date) - timedelta(days=7)).isoformat(), date)
    now = s.now()
    over = [d for d in dates[-2:] if not is_open(the_team, d, now)]  # an open one: not kept
    kept = [d.date for d in day_summaries(s.store, the_team, over, now)]
    return f"day summaries of {', '.join(kept)} kept" if kept else "no day over yet to keep"


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def post_digest(
    team: str,
    date: str,
    updates: list[Update],
    members: list[Member],
    channel: str | None = None,
    force: bool = False,
) -> str:
    """Post the digest, at most once per channel and date (even across retries and replicas).

    Posted before, to the team's channel: it is brought up to date instead (edits Slack
    refused earlier are tried again), and the run is skipped as before.
    """
    s = services()
    the_team = s.team(team)
    channel = channel or the_team.channel
    members = current_members(members, date)  # joined later: not missing
    away = members_away(s.store, members, date)  # listed as away, not missing
    editor = DigestEditor(s.store, s.chat, s.outbox)
    own_channel = channel == the_team.channel
    if _as_thread(editor, the_team, date, channel, force):
        summary = _post_thread(editor, the_team, date, channel, updates, members, away, force)
    else:
        messages = digest_messages(the_team, date, updates, members, away)
        if not own_channel:  # by hand elsewhere (#testing): name people, never ping
            messages = without_mentions(messages, members)
        key = DeliveryKey.digest(team, date, channel)
        try:
            with editor.outbox.claim(key, force=force) as out:
                out.post_parts(channel, messages)
        except SKIP as skip:
            raise SKIP(_synced(skip, editor, the_team, date, own_channel)) from None
        sent = len(out.sent.timestamps) or len(messages)  # halves count as messages
        summary = f"posted {len(updates)} update(s) to {channel} in {sent} message(s)"
    get_context().logger.info(summary)
    return summary


def _as_thread(editor: DigestEditor, team: Team, date: str, channel: str, force: bool) -> bool:
    """Thread or message: the team's mode, except for a digest already out (not forced),
    which keeps the layout it was posted in."""
    key = DeliveryKey.digest(team.name, date, channel)
    posted = editor.record_of(key)
    if force or posted is None or not posted.sent:
        return team.digest_mode == THREAD
    return editor.record_of(thread_mark(team.name, date, channel)) is not None


def _post_thread(
    editor: DigestEditor, team: Team, date: str, channel: str, updates: list[Update],
    members: list[Member], away: Mapping[str, str], force: bool,
) -> str:
    """The parent summary once, then every reply it lacks (each once: after a crash
    between two replies, a re-run posts only the missing ones)."""
    own_channel = channel == team.channel
    shape = (lambda m: m) if own_channel else (lambda m: without_mentions(m, members))
    parent = shape([thread_parent(team, date, updates, members, away)])
    key = DeliveryKey.digest(team.name, date, channel)
    skipped: SKIP | None = None
    mark_thread(editor, team.name, date, channel)
    try:
        with editor.outbox.claim(key, force=force) as out:
            out.post_parts(channel, parent)
        sent = out.sent
    except SKIP as skip:  # the parent is out: post the replies it may lack
        record = editor.record_of(key)
        state = read_detail(record) if record is not None else None
        if not isinstance(state, Sent):  # being posted by a live process right now
            raise
        sent, skipped = state, skip
    channel_id = editor.channel_id(sent, channel)
    result = sync_thread(editor, team, date, channel, channel_id, updates, members,
                         parent=sent, transform=shape, force=force, away=away)
    if result.unsent:  # the task's retry posts what is missing (refused edits can wait)
        raise Unfinished(f"{key.failed}: {result.summary}")
    if skipped is not None and not (result.edited or result.posted):
        raise skipped
    return f"posted {len(updates)} update(s) to {channel} as a thread: {result.summary}"


def _synced(
    skip: SKIP, editor: DigestEditor, team: Team, date: str, own_channel: bool
) -> str:
    """Why the run skips, and what bringing the posted digest up to date did."""
    if not own_channel:
        return str(skip)
    result = sync_digest(editor, team, date)
    changed = result.edited or result.posted or result.failed or result.unsent
    return f"{skip}; brought up to date: {result.summary}" if changed else str(skip)


with Flow(STANDUP_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    standup_channel = Parameter("standup_channel", default=None)
    force = Parameter("force", default=False)

    standup_date = get_digest_date(team, date)
    members = get_team(team)
    updates = get_updates(team, standup_date)
    post_digest(team, standup_date, updates, members, standup_channel, force)
    record_summaries(team, standup_date)
