"""Keeping a posted digest true: after an update is saved, edit in Slack what changed.

The digest is rendered again from the store and compared, message by message, with the
fingerprints its delivery record keeps (`marvin.domain.delivery_records.Sent`): only a message
whose blocks changed gets a ``chat.update`` (one person's edit in a 60-person digest is
one call). A digest that now needs more parts than were posted gets the extra ones, each
under its own delivery key (posted at most once, as the Outbox does); a part no longer
needed says so. A digest posted as a thread (whatever the team's mode is now) has its
parent summary edited, a person's reply edited, and a late person's reply posted in the
thread (`marvin.delivery.digest_thread`).

Only the team's own channel is kept in sync (a by-hand digest elsewhere is a one-off).
Slack refusing an edit (``message_not_found``, ``edit_window_closed``, rate limits, 5xx)
is logged and leaves that message's old fingerprint in the record, so the next edit or
`marvin run standup` tries it again; nothing here raises for Slack or the store.

Example::

    result = sync_digest(DigestEditor(store, chat, outbox), team, "2026-11-26")
    result.summary  # "edited 1 message(s)"
"""

from __future__ import annotations

import logging

from marvin.delivery.channels import ChannelProblem
from marvin.delivery.digest_edits import (
    DigestEditor,
    SyncResult,
    current_members,
    members_away,
)
from marvin.delivery.digest_lease import EditLease
from marvin.delivery.digest_thread import THREAD_MARK, sync_thread
from marvin.delivery.parts import message_at
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.digest import (
    CONTINUED,
    DigestMessage,
    digest_messages,
    digest_title,
    header_block,
)
from marvin.domain.models import Team
from marvin.slack.protocol import SlackError
from marvin.store.base import StoreError

__all__ = ["SyncResult", "shorter_part", "sync_digest"]

log = logging.getLogger("marvin.delivery.sync")

SHORTER = "_Nothing more here: the digest got shorter after an edit._"


def sync_digest(sync: DigestEditor, team: Team, date: str) -> SyncResult:
    """Bring the team's posted digest of `date` in line with the store; never raises.

    Syncs of one digest run one at a time across threads and replicas, and the last one
    reads after the last save (`marvin.delivery.digest_lease`), so the posted digest ends
    showing what the store holds."""
    try:
        if sync.outbox.dry_run:  # writes nothing, claims included
            return _sync_once(sync, team, date)
        lease = EditLease(sync.store, sync.outbox.now, sync.outbox.lease)
        key = DeliveryKey.digest(team.name, date, team.channel)
        return lease.one_at_a_time(key, lambda: _sync_once(sync, team, date))
    except (StoreError, SlackError, ChannelProblem, ValueError) as exc:
        log.warning("could not bring the digest of %s for %s up to date: %s",
                    team.name, date, exc)
        return SyncResult(failed=1, skipped=f"not synced: {exc}")


def _sync_once(sync: DigestEditor, team: Team, date: str) -> SyncResult:
    """One pass: read the record and the store, edit what differs, save the record."""
    record = sync.record(team, date, team.channel)
    if record is None or not record.sent:
        return SyncResult(skipped=f"the digest for {date} is not posted yet")
    sent = read_detail(record)
    assert isinstance(sent, Sent)
    channel_id = sync.channel_id(sent, team.channel)
    updates = sync.store.list_updates(team.name, date)
    members = current_members(sync.store.list_members(team.name), date)
    away = members_away(sync.store, members, date)
    if sync.record(team, date, f"{team.channel}{THREAD_MARK}") is not None:
        return sync_thread(sync, team, date, team.channel, channel_id, updates, members,
                           away=away)
    messages = digest_messages(team, date, updates, members, away)
    key = DeliveryKey.digest(team.name, date, team.channel)
    return _sync_parts(sync, key, channel_id, sent, messages, digest_title(team, date))


def _sync_parts(
    sync: DigestEditor, key: DeliveryKey, channel_id: str, sent: Sent,
    messages: list[DigestMessage], title: str,
) -> SyncResult:
    """Message mode: edit changed parts, post parts the digest grew, save the record."""
    shorter = shorter_part(title)
    posted, result = sync.edit(
        channel_id, sent.posted(), lambda m: message_at(messages, m.path) or shorter)
    result += sync.grow(key, channel_id, posted, messages)
    sync.save(key, channel_id, sent.posted(), posted)
    return result


def shorter_part(title: str) -> DigestMessage:
    """What a posted part says once the digest no longer needs it (it is kept, not
    deleted: a later edit may need it again)."""
    context = {"type": "context", "block_id": "shorter",
               "elements": [{"type": "mrkdwn", "text": SHORTER, "verbatim": True}]}
    return DigestMessage(title + CONTINUED, [header_block(title, continued=True), context])
