"""The digest in thread mode, in Slack: the parent summary, then one reply per person.

The parent is the digest's own delivery (key ``digest/TEAM/DATE/CHANNEL``, part ``#0``);
each person's reply has a delivery of its own, ``digest/TEAM/DATE/CHANNEL#r.USER`` (its
messages ``...#r.USER#0``, ``#1`` when an update needs several), so each goes out at most
once across retries, replicas and crashes: a run that takes a reply's claim over asks the
thread (``conversations.replies``), where replies live, not the channel's history.

`sync_thread` is both halves of thread mode: the standup flow calls it right after the
parent is out (every reply is new), an edit calls it later (the parent summary and the
person's reply are edited, a late person's reply is posted). A reply once posted is
edited, never deleted: a cleared update's reply says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from marvin.delivery.digest_edits import DigestEditor, SyncResult
from marvin.delivery.parts import message_at
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.digest import DigestMessage
from marvin.domain.digest_thread import thread_parent, thread_reply
from marvin.domain.models import Member, Team, Update
from marvin.domain.standup import is_blank_update

__all__ = ["REPLY", "THREAD_MARK", "mark_thread", "reply_key", "sync_thread", "thread_mark"]

REPLY = "#r."
THREAD_MARK = "#thread"
"""Suffix of the record that says a digest went out as a thread: edits follow the layout
a digest was posted in, even if the team's mode changed since."""
NOTHING_MORE = DigestMessage("(continued)", [{
    "type": "context", "block_id": "shorter",
    "elements": [{"type": "mrkdwn", "text": "_(nothing more: the update got shorter)_",
                  "verbatim": True}],
}])

Transform = Callable[[list[DigestMessage]], list[DigestMessage]]


def reply_key(team: str, date: str, channel: str, user_id: str) -> DeliveryKey:
    """The delivery of one person's reply under the digest posted to `channel`."""
    return DeliveryKey.digest(team, date, f"{channel}{REPLY}{user_id}")


def thread_mark(team: str, date: str, channel: str) -> DeliveryKey:
    """The record saying the digest posted to `channel` is a thread."""
    return DeliveryKey.digest(team, date, f"{channel}{THREAD_MARK}")


def mark_thread(editor: DigestEditor, team: str, date: str, channel: str) -> None:
    """Record, before the parent goes out, that this digest is a thread (not in a dry run)."""
    if not editor.outbox.dry_run:
        editor.store.complete_delivery(thread_mark(team, date, channel), detail="thread")


def sync_thread(
    editor: DigestEditor, team: Team, date: str, channel: str, channel_id: str,
    updates: Sequence[Update], members: Sequence[Member], *,
    parent: Sent | None = None, transform: Transform | None = None, force: bool = False,
    away: Mapping[str, str] | None = None,
) -> SyncResult:
    """Make the thread of the digest posted to `channel` (`channel_id`) say what the
    store says: edit the parent summary, edit or post each person's reply.

    `parent` is the parent's delivery as just sent (None: read from its record);
    `transform` is applied to every message (names instead of mentions off the team's
    channel); `force` posts every reply again (a forced re-post of the whole thread);
    `away` names who is away, with their reasons (`members_away`).
    Raises SlackError or StoreError only for the parent's record or lookups.
    """
    shape = transform or (lambda messages: messages)
    key = DeliveryKey.digest(team.name, date, channel)
    if parent is None:
        record = editor.record_of(key)
        state = read_detail(record) if record is not None else None
        if not isinstance(state, Sent) or not state.timestamps:
            return SyncResult(skipped=f"the digest for {date} is not posted yet")
        parent = state
    parent_ts = parent.timestamps[0]
    [summary] = shape([thread_parent(team, date, updates, members, away)])
    if force:  # a new thread: nothing in it to edit
        posted, result = parent.posted(), SyncResult()
    else:
        posted, result = editor.edit(channel_id, parent.posted()[:1], lambda _: summary)
        editor.save(key, channel_id, parent.posted(), [*posted, *parent.posted()[1:]])

    replies = {
        d.target.removeprefix(f"{channel}{REPLY}"): d for d in editor.store.list_deliveries(
            team.name, date) if d.target.startswith(f"{channel}{REPLY}")
    }
    by_user = {update.user_id: update for update in updates}
    wanted = [u.user_id for u in updates if not is_blank_update(u)]
    wanted += [user for user in replies if user not in wanted and "#" not in user]
    for user_id in wanted:
        update = by_user.get(user_id) or Update(team.name, date, user_id)
        messages = shape(thread_reply(team, update))
        this = reply_key(team.name, date, channel, user_id)
        record = replies.get(user_id)
        state = read_detail(record) if record is not None else None
        if isinstance(state, Sent) and not force:
            result += _edit_reply(editor, this, channel_id, parent_ts, state, messages)
            continue
        if is_blank_update(update):  # cleared before its reply ever went out
            continue
        out = editor.post_new(this, channel_id, messages, thread_ts=parent_ts, force=force)
        result += SyncResult(posted=len(out.timestamps)) if out else SyncResult(unsent=1)
    return result


def _edit_reply(
    editor: DigestEditor, key: DeliveryKey, channel_id: str, parent_ts: str, sent: Sent,
    messages: list[DigestMessage],
) -> SyncResult:
    """Edit a posted reply's changed messages; post the ones a longer update needs."""
    posted, result = editor.edit(
        channel_id, sent.posted(), lambda m: message_at(messages, m.path) or NOTHING_MORE)
    result += editor.grow(key, channel_id, posted, messages, thread_ts=parent_ts)
    editor.save(key, channel_id, sent.posted(), posted)
    return result
