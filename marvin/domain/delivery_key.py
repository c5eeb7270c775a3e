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

    @classmethod
    def weekly_report(cls, team: str, monday: str, channel: str) -> DeliveryKey:
        return cls(DeliveryKind.REPORT, team, monday, channel)

    @classmethod
    def notice(cls, team: str, date: str, about: str, to: str) -> DeliveryKey:
        """A notice about `about` (a member) to `to` (an admin, a lead, a channel), sent
        once for `date` (the day the member was marked inactive, a blocker's standup)."""
        return cls(DeliveryKind.NOTICE, team, date, f"{about}:{to}")

    def __str__(self) -> str:
        return f"{self.kind.value}/{self.team}/{self.date}/{self.target}"

    @property
    def failed(self) -> str:
        """How an error about this delivery starts."""
        return _FAILED[self.kind].format(key=self)

    @property
    def already(self) -> str:
        """Why a task skips a delivery that went out before."""
        return _ALREADY[self.kind].format(key=self)


_FAILED = {
    DeliveryKind.REMINDER: "could not remind {key.target}",
    DeliveryKind.NOTICE: "could not send the notice {key.target}",
    DeliveryKind.NUDGE: "could not nudge {key.target}",
    DeliveryKind.REPORT: "could not post the weekly report to {key.target}",
    DeliveryKind.DIGEST: "could not post the digest to {key.target}",
}
_ALREADY = {
    DeliveryKind.REMINDER: "{key.target} was already reminded for {key.date}",
    DeliveryKind.NOTICE: "the notice {key.target} for {key.date} was already sent",
    DeliveryKind.NUDGE: "{key.target} was already nudged for {key.date}",
    DeliveryKind.REPORT: "the weekly report of {key.date} was already posted to {key.target}",
    DeliveryKind.DIGEST: "the digest for {key.date} was already posted to {key.target}",
}
