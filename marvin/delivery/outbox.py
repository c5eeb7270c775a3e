"""The Outbox: at most once, and none lost: claim a delivery in the store, send, settle.

Both flows send through it, so "each member reminded once, each digest posted once"
holds the same way for both, across retries, re-runs, replicas and crashes::

    with outbox.claim(DeliveryKey.reminder(team, date, user), force=force) as out:
        out.post_dm(user, text)

- claim: a claim in the store decides who sends (`claim_delivery` has exactly one
  winner). One left behind by a process that died between claiming and settling is
  taken over once older than the lease (MARVIN_DELIVERY_LEASE_SECONDS), at once when
  `marvin.delivery.owners` allows; sent already (or being sent by a live process): SKIP.
- send: every message carries its delivery key in Slack metadata. Taking over, Marvin
  first asks Slack what went out (`marvin.delivery.lookup`) and sends only the rest;
  after a post that timed out, it asks whether the post went through. A DM is one call,
  ``chat.postMessage`` to the user id (`DirectMessages`); the DM channel id Slack answers
  with is kept in the store (`marvin.delivery.dm_channels`), where a later look-up in
  that DM's history finds it without a ``conversations.open``.
- settle: `marvin.delivery.settle` decides what becomes of the claim and how the task ends.
- stop: on shutdown `hand_over_all` hands every claim still in hand over to the next
  sender at once (it asks Slack first) and refuses any further post or claim.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, cast

from marvin.delivery.channels import ChannelProblem, ready_channel
from marvin.delivery.dm_channels import DmChannels
from marvin.delivery.lookup import already_sent, look_since
from marvin.delivery.owners import claim_owner, may_take_over_now
from marvin.delivery.parts import PartSender, part_key
from marvin.delivery.settle import Attempted, ClaimAction, settle
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import HandedOver, Sent, read_detail
from marvin.domain.digest import DigestMessage
from marvin.domain.models import Delivery
from marvin.engine import FAIL, SKIP, get_context
from marvin.slack.protocol import ChatAPI, DirectMessages, MessageSearch, Seen, SlackError
from marvin.store.base import Store, StoreError

log = logging.getLogger("marvin.delivery")
MAX_REASON = 300  # characters of the error kept in a handed-over claim


@dataclass(frozen=True)
class Claim:
    """A claim taken: who holds it (`held` False for a forced send that did not win it),
    since when a message of it may be out, and whether an earlier attempt may have sent."""

    key: DeliveryKey
    owner: str
    since: dt.datetime
    held: bool = True
    taking_over: bool = False


class ShuttingDown(Exception):
    """Marvin is stopping: this send is left to the process that takes the claim over."""


class Outbox:
    """Sends Marvin's messages at most once each, through `chat`, claims kept in `store`."""

    def __init__(
        self, store: Store, chat: ChatAPI, now: Callable[[], dt.datetime],
        lease_seconds: float, *, dry_run: bool = False,
    ) -> None:
        self.store, self.now = store, now
        self.chat = cast(ChatAPI, _StoppableChat(chat, self))
        # One call per DM where the chat can; a dry run opens its pretend DMs as before.
        self.direct = isinstance(chat, DirectMessages) and not dry_run
        self.dms = DmChannels(store, self.chat)
        self.lease = dt.timedelta(seconds=lease_seconds)
        self.dry_run = dry_run
        self.stopping: str | None = None  # why no more is sent, once shutting down
        self._held: list[Claim] = []
        self._held_lock = threading.Lock()

    def hand_over_all(self, why: str) -> int:
        """Shutting down: refuse every further claim and post, and hand each claim still
        in hand over (resumable at once by any process, which asks Slack what went
        out first). Returns how many were handed over."""
        with self._held_lock:
            self.stopping = why
            held, self._held = self._held, []
        for claim in held:
            self._hand_over(claim, ShuttingDown(why))
        return len(held)

    def claim(self, key: DeliveryKey, *, force: bool = False) -> Sending:
        """A `with` block that sends `key` once: entering claims it (SKIP: already sent)."""
        return Sending(self, key, force)

    def take(self, key: DeliveryKey, force: bool) -> Claim:
        """The claim step: claim `key`, or take an unfinished claim of it over.

        Raises:
            SKIP: it was sent (or is being sent, by a live process) already.
        """
        if self.stopping is not None:
            raise ShuttingDown(self.stopping)
        now, owner = self.now(), claim_owner(_task_run_id())
        if self.store.claim_delivery(key, now, owner):
            return self._hold(Claim(key, owner, now))
        if force:
            return Claim(key, owner, now, held=False)
        earlier = self._take_over(key, now, owner)
        if earlier is None:
            raise SKIP(key.already)
        # An earlier attempt stopped between claiming and settling: send what Slack lacks.
        return self._hold(Claim(key, owner, earlier.claimed_at, taking_over=True))

    def _hold(self, claim: Claim) -> Claim:
        with self._held_lock:
            self._held.append(claim)
        if self.stopping is not None:  # stopped while claiming: hand_over_all missed it
            self.hand_over_all(self.stopping)
            raise ShuttingDown(self.stopping)
        return claim

    def _release_hold(self, claim: Claim) -> bool:
        """Forget `claim` as in hand; False when shutdown has handed it over already."""
        with self._held_lock:
            if claim in self._held:
                self._held.remove(claim)
                return True
        return not claim.held and not claim.taking_over

    def _take_over(self, key: DeliveryKey, now: dt.datetime, owner: str) -> Delivery | None:
        current = self.store.get_delivery(key)
        if current is None:
            return None
        state = read_detail(current)
        if isinstance(state, Sent):
            return None
        return self.store.reclaim_delivery(
            key, now, now - self.lease,
            if_owner=current.detail if may_take_over_now(state, owner) else None,
            new_owner=owner,
        )

    def apply(
        self, claim: Claim, action: ClaimAction, sent: Sent, why: BaseException | None
    ) -> None:
        """The settle step's store side: complete, release or hand the claim over.

        A claim shutdown handed over already is only ever completed (its message went
        out after all): released or handed over again, its next sender could lose it."""
        if not self._release_hold(claim) and action is not ClaimAction.COMPLETE:
            return
        if action is ClaimAction.COMPLETE:
            self.store.complete_delivery(claim.key, detail=sent.detail)
        elif action is ClaimAction.RELEASE:
            self.store.release_delivery(claim.key)
        elif action is ClaimAction.HAND_OVER:
            self._hand_over(claim, why)

    def _hand_over(self, claim: Claim, why: BaseException | None) -> None:
        """Mark our claim resumable, stamped `since` so its next sender looks back far enough.
        If the store fails here, the claim stays ours: our own retry still takes it over."""
        key, since = claim.key, claim.since
        try:
            self.store.reclaim_delivery(
                key, since, since,
                if_owner=claim.owner, new_owner=HandedOver(str(why)[:MAX_REASON]).detail,
            )
        except StoreError as exc:
            log.warning("could not hand over the claim for %s: %s", key, exc)


class Sending:
    """One delivery in progress: the `with` block of `Outbox.claim`.

    Attributes:
        sent: where it went and each message's ts, once out.
    """

    def __init__(self, outbox: Outbox, key: DeliveryKey, force: bool) -> None:
        self.outbox, self.key, self.force = outbox, key, force
        self.chat = outbox.chat
        self.claim: Claim | None = None  # None in a dry run: nothing is claimed
        self.sent = Sent(None, ())
        self._check: Callable[[float], MessageSearch] | None = None  # after a timeout
        self._channel_id: str | None = None

    def __enter__(self) -> Sending:
        if not self.outbox.dry_run:
            self.claim = self.outbox.take(self.key, self.force)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        claim = self.claim
        if claim is None:  # a dry run: nothing was claimed, nothing to settle
            return False
        search = self._check_after(error, claim)
        attempted = Attempted(self.key.failed, claim.held, claim.taking_over)
        settlement = settle(attempted, error, search)
        self.outbox.apply(claim, settlement.claim, self.sent, error)
        if settlement.error is error:
            return False
        if settlement.error is None:
            return True  # found in Slack after all: done
        raise settlement.error from error

    def _check_after(self, error: BaseException | None, claim: Claim) -> MessageSearch | None:
        """After a send that may have gone out, whether Slack has it (None: not asked)."""
        if not (isinstance(error, SlackError) and error.may_have_been_sent and self._check):
            return None
        search = self._check(look_since(claim.since))
        if search.seen is Seen.FOUND:
            self.sent = Sent(search.channel or None, (search.ts,))
        return search

    def post_dm(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Send a direct message to `user_id`: `blocks`, with `text` as the notification
        and fallback (or `text` alone). Found by its key in the DM like any other."""
        key = str(self.key)
        self._check = partial(self._find_in_dm, user_id)
        taking_over = self.claim is not None and self.claim.taking_over
        if self.outbox.direct and not taking_over:
            posted = cast(DirectMessages, self.chat).post_dm(user_id, text, blocks, key)
            self.sent = Sent(posted.channel, (posted.ts,))
            self.outbox.dms.remember(user_id, posted.channel)
            return
        # Taking over (or a chat without one-call DMs): the DM must be read before posting.
        channel = self.outbox.dms.channel(user_id) if self.outbox.direct else (
            self.chat.open_dm(user_id))
        found = self._already_sent(channel, key)
        sent = found or self.chat.post_message(channel, text, blocks=blocks, key=key)
        self.sent = Sent(channel, (sent,))

    def post_parts(self, channel: str, messages: Sequence[DigestMessage]) -> None:
        """Post `messages` to `channel` (a name or id) in order, halving a part Slack
        refuses as too big; taking over, only the parts Slack lacks."""
        key = str(self.key)
        self._check = partial(self._find_single, channel, messages)
        target = self._ready(channel)
        sender = PartSender(self.chat, target, key, self._finder(target))
        self.sent = Sent(target, tuple(sender.send(messages)), tuple(sender.parts))

    def post_replies(
        self, channel_id: str, thread_ts: str, messages: Sequence[DigestMessage]
    ) -> None:
        """Post `messages` as replies in the thread of `thread_ts` in `channel_id`, like
        `post_parts`; taking over, the thread (not the channel's history, where replies
        are not) says which are out."""
        key = str(self.key)
        self._check = partial(self._find_single_reply, channel_id, thread_ts, messages)
        find = None
        if self.claim is not None and self.claim.taking_over:
            find = partial(self.chat.find_reply, channel_id, thread_ts)
        sender = PartSender(self.chat, channel_id, key, find, thread_ts=thread_ts)
        self.sent = Sent(channel_id, tuple(sender.send(messages)), tuple(sender.parts))

    def _find_single_reply(
        self, channel_id: str, thread_ts: str, messages: Sequence[DigestMessage], since: float
    ) -> MessageSearch:
        """Whether a timed-out single-message reply went out (several: unknown)."""
        if len(messages) != 1:
            return MessageSearch.unknown("the reply has several parts; some may be out")
        return self.chat.find_reply(channel_id, thread_ts, part_key(str(self.key), 0))

    def _ready(self, channel: str) -> str:
        """The id of `channel`, resolved and joined once (its name in a dry run)."""
        if self._channel_id is None:
            if self.outbox.dry_run:
                self._channel_id = channel
            else:
                try:
                    self._channel_id = ready_channel(self.chat, self.outbox.store, channel).id
                except ChannelProblem as exc:
                    raise FAIL(f"{self.key.failed}: {exc}") from None
        return self._channel_id

    def _finder(self, channel_id: str) -> Callable[[str], MessageSearch] | None:
        """How to look a message up by key, when an earlier attempt may have sent it."""
        claim = self.claim
        if claim is None or not claim.taking_over:
            return None
        since = look_since(claim.since)
        return partial(self._find, channel_id, since=since)

    def _already_sent(self, channel_id: str, key: str) -> str | None:
        find = self._finder(channel_id)
        return already_sent(find(key)) if find is not None else None

    def _find_in_dm(self, user_id: str, since: float) -> MessageSearch:
        try:
            channel = (self.outbox.dms.channel(user_id) if self.outbox.direct
                       else self.chat.open_dm(user_id))
        except SlackError as exc:
            return MessageSearch.unknown(
                f"could not open the DM to read it ({exc.error})", permanent=exc.permanent
            )
        return self._find(channel, str(self.key), since=since)

    def _find_single(
        self, channel: str, messages: Sequence[DigestMessage], since: float
    ) -> MessageSearch:
        """Whether a timed-out single-message digest went out (several parts: unknown)."""
        if len(messages) != 1:
            return MessageSearch.unknown("the digest has several parts; some may be out")
        return self._find(self._ready(channel), part_key(str(self.key), 0), since=since)

    def _find(self, channel_id: str, key: str, *, since: float) -> MessageSearch:
        return self.chat.find_message(channel_id, key, since)


class _StoppableChat:
    """`chat`, refusing to post once the outbox is shutting down: after a claim is handed
    over, its next sender alone may post its messages."""

    def __init__(self, chat: ChatAPI, outbox: Outbox) -> None:
        self._chat, self._outbox = chat, outbox

    def post_message(self, *args: Any, **kwargs: Any) -> Any:
        if self._outbox.stopping is not None:
            raise ShuttingDown(self._outbox.stopping)
        return self._chat.post_message(*args, **kwargs)

    def post_dm(self, *args: Any, **kwargs: Any) -> Any:
        if self._outbox.stopping is not None:
            raise ShuttingDown(self._outbox.stopping)
        return cast(DirectMessages, self._chat).post_dm(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chat, name)


def _task_run_id() -> str | None:
    try:
        return get_context().task_run_id
    except RuntimeError:  # called outside a task run (a script, a unit test)
        return None
