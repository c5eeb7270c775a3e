"""When a store may take a delivery's claim over (`Delivery.may_be_reclaimed`)."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import Delivery, DeliveryKind

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
OLD, FRESH = T0 - dt.timedelta(minutes=5), T0 + dt.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("claimed_at", "sent", "owner", "if_owner", "expected"),
    [
        (OLD, False, "host:1:1", None, True),  # made before the cut-off: its claimer died
        (FRESH, False, "host:1:1", None, False),  # fresh: its claimer may still be sending
        (T0, False, "host:1:1", None, False),  # exactly at the cut-off counts as fresh
        (FRESH, False, "host:1:1", "host:1:1", True),  # fresh, but its owner is known dead
        (FRESH, False, "host:1:1", "host:2:2", False),  # fresh, and another owner is dead
        (OLD, True, "1.0001", None, False),  # sent: never taken over
        (FRESH, True, "host:1:1", "host:1:1", False),  # sent, whatever the detail says
    ],
)
def test_a_claim_may_be_reclaimed_when_unsent_and_old_or_its_owner_is_dead(
    claimed_at: dt.datetime, sent: bool, owner: str, if_owner: str | None, expected: bool
) -> None:
    delivery = Delivery(DeliveryKind.REMINDER, "ops", "2026-03-02", "U1", claimed_at, sent, owner)
    assert delivery.may_be_reclaimed(T0, if_owner) is expected
