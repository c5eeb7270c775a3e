"""What a stored delivery's `detail` says, read in this one place: one value type per state.

The store keeps one text field per delivery (existing SQLite rows and Firestore documents
hold it): while claimed it names the claim's owner (`Claimed`); once its sender stopped
and handed it over, ``resumable: why`` (`HandedOver`); once sent, ``[CHANNEL_ID:]ts[,ts...]``
(`Sent`; older records hold the timestamps only).
"""

from __future__ import annotations

from dataclasses import dataclass

from marvin.domain.models import Delivery

RESUMABLE = "resumable: "
"""Prefix of a claim's detail when its sender stopped and handed it over."""


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
    """Out: where it went (Slack's channel id, None in older records) and each message's ts."""

    channel: str | None
    timestamps: tuple[str, ...]

    @property
    def detail(self) -> str:
        stamps = ",".join(self.timestamps)
        return f"{self.channel}:{stamps}" if self.channel else stamps


def read_detail(delivery: Delivery) -> Claimed | HandedOver | Sent:
    """The state a stored delivery is in, with what its detail says about it."""
    detail = delivery.detail
    if delivery.sent:
        channel, _, stamps = detail.rpartition(":")
        return Sent(channel or None, tuple(ts for ts in stamps.split(",") if ts))
    if detail.startswith(RESUMABLE):
        return HandedOver(detail.removeprefix(RESUMABLE))
    return Claimed(detail)
