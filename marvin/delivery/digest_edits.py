"""The tools a digest sync edits Slack with: what changed, ``chat.update``, new messages.

`DigestEditor` compares what a posted message should show now with the fingerprint its
record keeps (`marvin.domain.delivery_records.Sent`) and edits only what changed; it sends new
messages (a part the digest grew, a late person's reply) under their own claim, at most
once. A refused edit is logged and keeps its old fingerprint, so the next sync retries it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from marvin.delivery.channels import ready_channel
from marvin.delivery.outbox import Outbox
from marvin.delivery.parts import fingerprint
from marvin.domain.availability import away_on
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import PostedMessage, Sent, read_detail
from marvin.domain.digest import DigestMessage, as_plain_text
from marvin.domain.models import Delivery, Member, Team
from marvin.domain.slack_limits import TOO_BIG_ERRORS
from marvin.engine import SKIP
from marvin.slack.protocol import ChatAPI, SlackError
from marvin.store.base import Store

__all__ = ["ELSEWHERE", "DigestEditor", "SyncResult", "current_members"]

log = logging.getLogger("marvin.delivery.sync")
ELSEWHERE = Sent(None, ())
"""`DigestEditor.post_new`'s answer for messages another live process is sending: not
a failure, and nothing to record here (that process records them)."""


@dataclass(frozen=True)
class SyncResult:
    """What one sync did: messages edited and posted, edits Slack refused (`failed`),
    new messages that could not be sent (`unsent`), or why it did nothing (`skipped`).
    Both kinds of failure are tried again by the next sync or `marvin run standup`."""

    edited: int = 0
    posted: int = 0
    failed: int = 0
    unsent: int = 0
    skipped: str = ""

    @property
    def summary(self) -> str:
        if self.skipped:
            return self.skipped
        done = f"edited {self.edited} message(s), posted {self.posted}"
        if self.failed:
            done += f", {self.failed} edit(s) refused (retried next time)"
        if self.unsent:
            done += f", {self.unsent} message(s) not sent (retried next time)"
        return done

    def __add__(self, other: SyncResult) -> SyncResult:
        return SyncResult(self.edited + other.edited, self.posted + other.posted,
                          self.failed + other.failed, self.unsent + other.unsent,
                          self.skipped or other.skipped)


def current_members(members: Sequence[Member], date: str) -> list[Member]:
    """The members the digest of `date` counts (one who joined later is not missing)."""
    return [member for member in members if member.belongs_on(date)]


def members_away(store: Store, members: Sequence[Member], date: str) -> Mapping[str, str]:
    """User id -> reason of the members away on `date`, as the digest lists them (one
    store query)."""
    return away_on(members, date, store.absences_from(date))


class DigestEditor:
    """Edits posted digests through `chat`, records kept in `store`, new messages sent
    through `outbox` (at most once)."""

    def __init__(self, store: Store, chat: ChatAPI, outbox: Outbox) -> None:
        self.store, self.chat, self.outbox = store, chat, outbox

    def record(self, team: Team, date: str, target: str) -> Delivery | None:
        """The delivery record of `target` (a channel, or a reply's ``channel#r.user``)."""
        return self.record_of(DeliveryKey.digest(team.name, date, target))

    def channel_id(self, sent: Sent, configured: str) -> str:
        """Where a sent digest is: its record says (older records: ask Slack)."""
        return sent.channel or ready_channel(self.chat, self.store, configured).id

    def edit(
        self, channel_id: str, posted: Sequence[PostedMessage],
        wanted: Callable[[PostedMessage], DigestMessage],
    ) -> tuple[list[PostedMessage], SyncResult]:
        """``chat.update`` each posted message whose content changed; the record's view
        of them after it (a refused edit keeps its old fingerprint: tried again later)."""
        kept, edited, failed = [], 0, 0
        for message in posted:
            want = wanted(message)
            if fingerprint(want) == message.fingerprint:
                kept.append(message)
                continue
            try:
                shown = self._update(channel_id, message.ts, want)
            except SlackError as exc:
                log.warning("could not edit digest message %s in %s: %s",
                            message.ts, channel_id, exc.error)
                kept.append(message)
                failed += 1
                continue
            kept.append(replace(message, fingerprint=shown))
            edited += 1
        return kept, SyncResult(edited=edited, failed=failed)

    def _update(self, channel_id: str, ts: str, message: DigestMessage) -> str:
        """Edit one message; a part Slack refuses as too big becomes plain text, as a
        post would. Returns the fingerprint of what it shows now."""
        try:
            self.chat.update_message(channel_id, ts, message.text, message.blocks)
            return fingerprint(message)
        except SlackError as exc:
            if exc.error not in TOO_BIG_ERRORS:
                raise
        plain = as_plain_text(message)
        self.chat.update_message(channel_id, ts, plain.text, None)
        return fingerprint(plain)

    def post_new(
        self, key: DeliveryKey, channel_id: str, messages: Sequence[DigestMessage],
        thread_ts: str | None = None, *, force: bool = False,
    ) -> Sent | None:
        """Send messages under their own claim `key` (a reply, or a part the digest grew),
        at most once (unless `force`): what went out (found in the record if it went out
        before), `ELSEWHERE` when a live process is sending it right now, None when the
        send failed (logged; the next sync or run tries again)."""
        try:
            with self.outbox.claim(key, force=force) as out:
                if thread_ts is None:
                    out.post_parts(channel_id, messages)
                else:
                    out.post_replies(channel_id, thread_ts, messages)
            return out.sent
        except SKIP:  # sent before (its record says where) or being sent by a live process
            record = self.record_of(key)
            state = read_detail(record) if record is not None else None
            return state if isinstance(state, Sent) else ELSEWHERE
        except Exception as exc:  # a failed send is retried by the next sync or run
            log.warning("could not post %s: %s", key, exc)
            return None

    def grow(
        self, key: DeliveryKey, channel_id: str, posted: list[PostedMessage],
        messages: Sequence[DigestMessage], thread_ts: str | None = None,
    ) -> SyncResult:
        """Post the parts of `messages` that `posted` lacks (the digest or reply grew),
        part ``n`` under its own delivery ``KEY#n``, and add them to `posted`."""
        result = SyncResult()
        tops = {message.path.split(".")[0] for message in posted}
        for index, message in enumerate(messages):
            if str(index) in tops:
                continue
            extra = self.post_new(replace(key, target=f"{key.target}#{index}"), channel_id,
                                  [message], thread_ts=thread_ts)
            if extra is None:
                result += SyncResult(unsent=1)
                continue
            # its own part 0 is part `index` here; halves keep their suffix
            posted += [PostedMessage(m.ts, str(index) + m.path[1:], m.fingerprint)
                       for m in extra.posted()]
            result += SyncResult(posted=len(extra.timestamps))
        return result

    def record_of(self, key: DeliveryKey) -> Delivery | None:
        return self.store.get_delivery(key)

    def save(
        self, key: DeliveryKey, channel_id: str, before: Sequence[PostedMessage],
        posted: Sequence[PostedMessage],
    ) -> None:
        """Write the record's new view of its messages (the delivery stays sent) when it
        changed from `before`; a dry run writes nothing."""
        if self.outbox.dry_run or list(before) == list(posted):
            return
        sent = Sent(channel_id, tuple(m.ts for m in posted), tuple(m.part for m in posted))
        self.store.complete_delivery(key, detail=sent.detail)
