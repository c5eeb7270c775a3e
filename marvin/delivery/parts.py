"""Sending a digest's parts, halving any part Slack still refuses as too big.

The digest is built within Slack's budgets (`marvin.domain.digest`), but Slack's cumulative limit
is undocumented and may move: when Slack answers ``msg_blocks_too_long``,
``invalid_blocks`` or ``msg_too_long`` for a part, sending the same payload again cannot
help, so the part is sent as two halves instead, each halved again if need be; a part of
a single block that Slack still refuses goes out as plain text, cut short with a pointer
to ``/standup show``.

Every message carries its own delivery key, so a run that takes over after a crash finds
exactly what went out: part ``p`` is ``{key}#p``; its halves ``{key}#p.0`` and
``{key}#p.1``; their halves ``{key}#p.0.0`` ... (the plain-text fallback keeps its part's
key: Slack posted nothing under it). Halving is deterministic and halves go out left to
right, so a part was halved exactly when its leftmost descendant (``#p.0``, ``#p.0.0``, ...)
is in the channel: the takeover halves it the same way and sends only what is missing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence

from marvin.delivery.lookup import DeliveryUnknown, already_sent
from marvin.domain.digest import DigestMessage, as_plain_text, halve
from marvin.domain.slack_limits import TOO_BIG_ERRORS
from marvin.slack.protocol import ChatAPI, MessageSearch, SlackError

#: Halving 50 blocks reaches a single block in 6 steps; deeper keys cannot exist.
MAX_DEPTH = 6


def part_key(key: str, part: int) -> str:
    """The delivery key of a digest's part `part`."""
    return f"{key}#{part}"


def fingerprint(message: DigestMessage) -> str:
    """What a message shows, in 16 hex digits: its blocks (its text when it has none).
    The fallback text is left out on purpose: it carries the digest's counts, which
    change with every new update, while only a part whose blocks changed needs an edit."""
    shown = json.dumps(message.blocks, sort_keys=True) if message.blocks else message.text
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()[:16]


def message_at(messages: Sequence[DigestMessage], path: str) -> DigestMessage | None:
    """The message a path names (``1``: part 1; ``1.0``: its first half, halved as
    `halve` does), or None when the digest has no such part or it cannot be halved."""
    first, *halves = path.split(".")
    if not first.isdigit() or int(first) >= len(messages):
        return None
    message: DigestMessage | None = messages[int(first)]
    for half in halves:
        pair = halve(message) if message is not None else None
        if pair is None or half not in ("0", "1"):
            return None
        message = pair[int(half)]
    return message


class PartlySent(Exception):
    """Some parts of a multi-message send went out before a failure."""

    def __init__(self, sent: int, total: int, cause: BaseException) -> None:
        super().__init__(f"{sent} of {total} messages sent, then: {cause}")
        self.cause = cause


class PartSender:
    """Posts a digest's parts to one channel under `key`; remembers what went out.

    `find` (given when an earlier attempt may have sent some) looks a message up by key.

    Attributes:
        posted: the ``ts`` of every message out so far (found or posted), in order.
        parts: for each of them, ``path=fingerprint`` (`marvin.domain.delivery_records.Sent`).
        current: the delivery key being sent when a call failed.
    """

    def __init__(
        self, chat: ChatAPI, channel: str, key: str,
        find: Callable[[str], MessageSearch] | None = None, *, thread_ts: str | None = None,
    ) -> None:
        self.chat, self.channel, self.key, self.find = chat, channel, key, find
        self.thread_ts = thread_ts  # replies in this thread
        self.posted: list[str] = []
        self.parts: list[str] = []
        self.current = ""

    def send(self, messages: Sequence[DigestMessage]) -> list[str]:
        """Every part, in order; the ``ts`` of every message out (halves count).

        Raises:
            PartlySent: some of it may be out: sending again would repeat it; only a
                takeover, asking Slack, knows what is out.
            DeliveryUnknown: Slack cannot say what an earlier attempt sent; nothing posted.
        """
        try:  # after a crash, parts already out are found, not posted again
            for part, message in enumerate(messages):
                self._send(part_key(self.key, part), message)
        except DeliveryUnknown:
            raise
        except Exception as exc:
            unsure = isinstance(exc, SlackError) and exc.may_have_been_sent
            if self.posted or (unsure and self.current != part_key(self.key, 0)):
                total = max(len(messages), len(self.posted) + 1)
                raise PartlySent(len(self.posted), total, exc) from exc
            raise
        return list(self.posted)

    def _send(self, key: str, message: DigestMessage) -> None:
        self.current = key
        path = key[len(self.key) + 1 :]
        found = self._found(key)
        if found:  # an earlier attempt posted it (what it showed then is unknown)
            self._out(found, f"{path}=")
            return
        halves = halve(message)
        if halves is not None and self._was_halved(key):
            self._send_halves(key, halves)
            return
        # Messages go out in order, in every attempt: once one is missing from Slack, so
        # is everything after it, and there is nothing more to look for.
        self.find = None
        try:
            ts = self.chat.post_message(
                self.channel, message.text, message.blocks, key=key, thread_ts=self.thread_ts)
        except SlackError as exc:
            if exc.error not in TOO_BIG_ERRORS:
                raise
            if halves is not None:
                self._send_halves(key, halves)
                return
            message = as_plain_text(message)
            ts = self.chat.post_message(
                self.channel, message.text, key=key, thread_ts=self.thread_ts)
        self._out(ts, f"{path}={fingerprint(message)}")

    def _out(self, ts: str, part: str) -> None:
        self.posted.append(ts)
        self.parts.append(part)

    def _send_halves(self, key: str, halves: tuple[DigestMessage, DigestMessage]) -> None:
        for index, half in enumerate(halves):
            self._send(f"{key}.{index}", half)

    def _found(self, key: str) -> str | None:
        return already_sent(self.find(key)) if self.find is not None else None

    def _was_halved(self, key: str) -> bool:
        """Whether an earlier attempt sent halves of this part (it posts the leftmost first)."""
        descendant = key
        for _ in range(MAX_DEPTH):
            descendant += ".0"
            if self._found(descendant):
                return True
        return False
