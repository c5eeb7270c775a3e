"""Which standup date an update goes to: late only while the posted digest's window is open."""

from __future__ import annotations

import datetime as dt

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Team
from marvin.interactions.update_date import UpdateDate, update_date
from marvin.store import Store

TEAM = Team("ops", timezone="Europe/London", channel="#ops")
THURSDAY = "2026-11-26"


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)  # GMT in November


def post_digest(store: Store, target: str = "#ops") -> None:
    key = DeliveryKey.digest("ops", THURSDAY, target)
    store.claim_delivery(key, london(26, 9))
    store.complete_delivery(key, detail="C1:1.000100")


def test_before_standup_time_it_is_that_days_standup(store: Store) -> None:
    post_digest(store)
    assert update_date(store, TEAM, london(26, 8, 59)) == UpdateDate(THURSDAY)


def test_after_the_digest_went_out_it_joins_it_until_the_next_reminder(store: Store) -> None:
    post_digest(store)
    assert update_date(store, TEAM, london(26, 12)) == UpdateDate(THURSDAY, late=True)
    assert update_date(store, TEAM, london(27, 8, 29)) == UpdateDate(THURSDAY, late=True)
    assert update_date(store, TEAM, london(27, 8, 30)) == UpdateDate("2026-11-27")


def test_a_digest_not_out_or_only_claimed_or_elsewhere_is_not_joined(store: Store) -> None:
    assert update_date(store, TEAM, london(26, 12)) == UpdateDate("2026-11-27")
    store.claim_delivery(DeliveryKey.digest("ops", THURSDAY, "#ops"), london(26, 9))
    assert update_date(store, TEAM, london(26, 12)) == UpdateDate("2026-11-27")
    post_digest(store, target="#testing")  # by hand, elsewhere
    assert update_date(store, TEAM, london(26, 12)) == UpdateDate("2026-11-27")


def test_the_person_is_told_which_standup_and_when_it_was_posted() -> None:
    assert UpdateDate(THURSDAY, late=True).describe(TEAM) == (
        "*Thursday 26 November*'s standup, posted at 09:00 (Europe/London)")
    assert UpdateDate(THURSDAY).describe(TEAM) == "*Thursday 26 November*'s standup"
