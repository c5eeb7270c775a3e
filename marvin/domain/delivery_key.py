"""`DeliveryKey`: which message Marvin sends at most once, and the key it carries in Slack.

The stores name a claimed delivery by it; the Outbox (`marvin.delivery`) sends by it.

Every message Marvin sends carries its key in Slack's message metadata, so Marvin can
later ask Slack whether it went out. Messages already in Slack carry these exact strings,
so their spelling never changes: ``reminder/default/2026-11-23/U1`` (a nudge:
``nudge/default/2026-11-23/U1``), and for a digest's
parts ``digest/default/2026-11-23/#general#0`` (`marvin.delivery.parts` adds the suffixes).
"""

from __future__ import annotations

from dataclasses import dataclass

from marvin.domain.models import DeliveryKind


@dataclass(frozen=True)
class DeliveryKey:
    """One delivery: a kind of message, for a team and standup date, to a target."""

    kind: DeliveryKind
    team: str
    date: str
    target: str  # a Slack user id for a reminder, a channel (as configured) for a digest

    @classmethod
    def reminder(cls, team: str, date: str, user_id: str) -> DeliveryKey:
        return cls(DeliveryKind.REMINDER, team, date, user_id)

    @classmethod
    def nudge(cls, team: str, date: str, user_id: str) -> DeliveryKey:
        return cls(DeliveryKind.NUDGE, team, date, user_id)

    @classmethod
    def digest(cls, team: str, date: str, channel: str) -> DeliveryKey:
        return cls(DeliveryKind.DIGEST, team, date, channel)

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.team}/{self.date}/{self.target}"

    @property
    def failed(self) -> str:
        """How an error about this delivery starts."""
        if self.kind is DeliveryKind.REMINDER:
            return f"could not remind {self.target}"
        if self.kind is DeliveryKind.NUDGE:
            return f"could not nudge {self.target}"
        return f"could not post the digest to {self.target}"

    @property
    def already(self) -> str:
        """Why a task skips a delivery that went out before."""
        if self.kind is DeliveryKind.REMINDER:
            return f"{self.target} was already reminded for {self.date}"
        if self.kind is DeliveryKind.NUDGE:
            return f"{self.target} was already nudged for {self.date}"
        return f"the digest for {self.date} was already posted to {self.target}"
