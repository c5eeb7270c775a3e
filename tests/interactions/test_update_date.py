"""Which standup date an update goes to: late only while the posted digest's window is open."""

from __future__ import annotations

import datetime as dt

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Member, Team
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


def test_a_late_save_or_clear_names_the_posted_digest_to_bring_up_to_date(
    store: Store,
) -> None:
    from marvin.interactions.standup_command import handle_standup
    from marvin.settings import Settings

    settings = Settings(_env_file=None, timezone="UTC")  # type: ignore[call-arg]
    store.save_team(TEAM)
    store.save_member(Member("U0AAA", "ops"))
    post_digest(store)

    def standup(text: str, now: dt.datetime) -> tuple[str, tuple[tuple[str, str], ...]]:
        reply = handle_standup(store, settings, user_id="U0AAA", user_name="ann", text=text,
                               now=now)
        return reply.text, reply.posted_digests

    early = standup("before", london(26, 8))
    late = standup("after", london(26, 12))
    cleared = standup("clear", london(26, 13))

    assert early[1] == () and "It will be posted" in early[0]
    assert late == ("Thanks! Added your update (part 2) to *Thursday 26 November*'s "
                    "standup, posted at 09:00 (Europe/London): the digest in #ops is being "
                    "updated.",
                    (("ops", THURSDAY),))
    assert cleared[1] == (("ops", THURSDAY),)
    assert store.get_update("ops", THURSDAY, "U0AAA") is None
