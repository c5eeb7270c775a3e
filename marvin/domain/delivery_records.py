"""What a stored delivery's `detail` says, read in this one place: one value type per state.

The store keeps one text field per delivery (existing SQLite rows and Firestore documents
hold it): while claimed it names the claim's owner (`Claimed`); once its sender stopped
and handed it over, ``resumable: why`` (`HandedOver`); once sent,
``[CHANNEL_ID:]ts[,ts...][;path=fingerprint[,...]]`` (`Sent`; older records hold the
timestamps only, or no parts).
"""

from __future__ import annotations

from dataclasses import dataclass

from marvin.domain.models import Delivery

RESUMABLE = "resumable: "
"""Prefix of a claim's detail when its sender stopped and handed it over."""
PARTS = ";"
"""Between a sent digest's timestamps and its parts (`Sent.parts`)."""


@dataclass(frozen=True)
class Claimed:
    """Being sent by `owner` (``host:pid:start [task-run-id]``, `marvin.delivery.owners`)."""

    owner: str

    @property
    def detail(self) -> str:
        return self.owner


@dataclass(frozen=True)
class HandedOver:
    """Its sender stopped where some of it may be out; anyone may resume it at once."""

    reason: str

    @property
    def detail(self) -> str:
        return f"{RESUMABLE}{self.reason}"


@dataclass(frozen=True)
class Sent:
    """Out: where it went (Slack's channel id, None in older records) and each message's ts.

    `parts` (digests only; empty in older records) says, for each ts in turn, which part
    of the digest the message holds and a fingerprint of what it showed when posted or
    last edited: ``path=fingerprint``, the path as in its key (``0``, ``1.0`` for the
    first half of part 1, ...), the fingerprint empty when unknown (found in Slack after
    a crash). Edits compare fingerprints to update only what changed.
    """

    channel: str | None
    timestamps: tuple[str, ...]
    parts: tuple[str, ...] = ()

    @property
    def detail(self) -> str:
        stamps = ",".join(self.timestamps)
        where = f"{self.channel}:{stamps}" if self.channel else stamps
        return f"{where}{PARTS}{','.join(self.parts)}" if self.parts else where

    def posted(self) -> list[PostedMessage]:
        """Each message with its path and fingerprint; paths unknown in an older record
        are taken as one message per part (``0``, ``1``, ...), fingerprints as unknown."""
        parts = self.parts if len(self.parts) == len(self.timestamps) else tuple(
            f"{index}=" for index in range(len(self.timestamps)))
        messages = []
        for ts, part in zip(self.timestamps, parts, strict=True):
            path, _, fingerprint = part.partition("=")
            messages.append(PostedMessage(ts, path, fingerprint))
        return messages


@dataclass(frozen=True)
class PostedMessage:
    """One message of a sent digest: its ts, the part it holds, what it showed."""

    ts: str
    path: str
    fingerprint: str = ""

    @property
    def part(self) -> str:
        return f"{self.path}={self.fingerprint}"


def read_detail(delivery: Delivery) -> Claimed | HandedOver | Sent:
    """The state a stored delivery is in, with what its detail says about it."""
    detail = delivery.detail
    if delivery.sent:
        where, _, parts = detail.partition(PARTS)
        channel, _, stamps = where.rpartition(":")
        return Sent(channel or None, tuple(ts for ts in stamps.split(",") if ts),
                    tuple(part for part in parts.split(",") if part))
    if detail.startswith(RESUMABLE):
        return HandedOver(detail.removeprefix(RESUMABLE))
    return Claimed(detail)
