"""Whether a team's digest for a date has gone out to its own channel: what decides if an
update after standup time is late (added to it) or counts for the next standup."""

from __future__ import annotations

from marvin.domain.models import DeliveryKind, Team
from marvin.store.base import Store


def digest_is_out(store: Store, team: Team, date: str) -> bool:
    """The digest (or, in thread mode, its parent summary) of `date` was posted to the
    team's channel. A claim still being sent is not out: the update goes to the next
    standup rather than into a digest that may be posted without it."""
    return any(
        delivery.kind == DeliveryKind.DIGEST and delivery.target == team.channel
        and delivery.sent
        for delivery in store.list_deliveries(team.name, date)
    )
