"""The `Store` contract: every test here runs on SQLite and on Firestore (the emulator)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import ChannelRef, Delivery, DeliveryKind, Member, SlotClaim, Team, Update
from marvin.store import Store
from marvin.store.base import MAX_UPDATE_BYTES, UpdateFull

T = TypeVar("T")
DIGEST, REMINDER = DeliveryKind.DIGEST, DeliveryKind.REMINDER
DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=dt.UTC)
DIGEST_TO_GENERAL = DeliveryKey(DIGEST, "ops", DAY, "#general")
REMIND_U1 = DeliveryKey(REMINDER, "ops", DAY, "U1")


def at(minutes: int) -> dt.datetime:
    """A fixed instant `minutes` after T0: tests never read the clock."""
    return T0 + dt.timedelta(minutes=minutes)


def race(n: int, fn: Callable[[int], T]) -> list[T]:
    """Run fn(0..n-1) on n threads released together, to make them contend for real."""
    barrier = threading.Barrier(n)

    def go(i: int) -> T:
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


def test_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


# Teams ---------------------------------------------------------------------
def test_team_round_trips_every_field(store: Store) -> None:
    team = Team("ops", "Europe/Paris", "10:15", "09:45", (0, 2, 6), "#ops-standup")
    store.save_team(team)
    assert store.get_team("ops") == team
    assert store.get_team("nope") is None


def test_team_digest_settings_round_trip(store: Store) -> None:
    team = Team("ops", digest_mode="thread", late_until="90m", weekly_report="fri 16:00")
    store.save_team(team)
    assert store.get_team("ops") == team
    assert store.list_teams() == [team]


def test_save_team_replaces_by_name(store: Store) -> None:
    store.save_team(Team("ops", channel="#old"))
    store.save_team(Team("ops", timezone="Asia/Tokyo", days=(5,), channel="#new"))
    assert store.list_teams() == [Team("ops", timezone="Asia/Tokyo", days=(5,), channel="#new")]


def test_list_teams_is_sorted_by_name(store: Store) -> None:
    assert store.list_teams() == []
    for name in ["zeta", "Alpha", "émile", "beta", "default"]:
        store.save_team(Team(name))
    assert [t.name for t in store.list_teams()] == ["Alpha", "beta", "default", "zeta", "émile"]


def test_delete_team_says_whether_it_existed_and_orphans_members(store: Store) -> None:
    store.save_team(Team("ops"))
    store.save_member(Member("U1", "ops"))
    assert store.delete_team("ops") is True
    assert store.delete_team("ops") is False
    assert store.get_team("ops") is None
    assert store.list_members("ops") == [Member("U1", "ops")]


# Members -------------------------------------------------------------------
def test_member_round_trips(store: Store) -> None:
    store.save_member(Member("U1", "ops", "Zaphod Beeblebrox"))
    assert store.get_member("U1") == Member("U1", "ops", "Zaphod Beeblebrox")
    assert store.get_member("U2") is None


def test_save_member_replaces_and_moves_team(store: Store) -> None:
    store.save_member(Member("U1", "ops", "Ford"))
    store.save_member(Member("U1", "dev", "Ford Prefect"))
    assert store.get_member("U1") == Member("U1", "dev", "Ford Prefect")
    assert store.list_members("ops") == []
    assert store.list_members("dev") == [Member("U1", "dev", "Ford Prefect")]


def test_remove_member_says_whether_it_existed(store: Store) -> None:
    store.save_member(Member("U1"))
    assert store.remove_member("U1") is True
    assert store.remove_member("U1") is False
    assert store.get_member("U1") is None


def test_member_dates_round_trip(store: Store) -> None:
    member = Member("U1", "ops", "Ford", joined_on="2026-11-23")
    store.save_member(member)
    assert store.get_member("U1") == member
    assert store.list_members("ops") == [member]


def test_removing_with_a_leave_date_keeps_a_former_member(store: Store) -> None:
    """A member who left is gone for everything but statistics: not a member, not
    listed, not removable again; listed with their dates when former ones are asked for."""
    store.save_member(Member("U1", "ops", "Ford", joined_on="2026-11-23"))
    store.save_member(Member("U2", "ops"))

    assert store.remove_member("U1", "2026-11-25") is True

    assert store.get_member("U1") is None
    assert store.list_members("ops") == [Member("U2", "ops")]
    former = Member("U1", "ops", "Ford", joined_on="2026-11-23", left_on="2026-11-25")
    assert store.list_members("ops", include_former=True) == [former, Member("U2", "ops")]
    assert store.remove_member("U1", "2026-11-30") is False  # the leave date stays
    assert store.remove_member("U1") is False  # and the record too
    assert store.list_members("ops", include_former=True)[0] == former
    store.save_member(Member("U1", "ops", "Ford", joined_on="2026-12-01"))  # back again
    assert store.get_member("U1") == Member("U1", "ops", "Ford", joined_on="2026-12-01")


def test_list_members_only_that_team_sorted_by_user_id(store: Store) -> None:
    for user_id, team in [("U3", "ops"), ("U1", "ops"), ("U2", "dev"), ("U10", "ops")]:
        store.save_member(Member(user_id, team))
    assert [m.user_id for m in store.list_members("ops")] == ["U1", "U10", "U3"]
    assert store.list_members("nobody") == []


# Updates -------------------------------------------------------------------
def test_append_update_appends_in_order_and_returns_the_whole_update(store: Store) -> None:
    first = store.append_update("ops", DAY, "U1", "did A", at(0))
    assert first == Update("ops", DAY, "U1", ("did A",), at(0), first_posted_at=at(0))
    second = store.append_update("ops", DAY, "U1", "doing B", at(5))
    # updated_at moves with each write; first_posted_at stays at the first
    assert second == Update("ops", DAY, "U1", ("did A", "doing B"), at(5), first_posted_at=at(0))
    assert store.get_update("ops", DAY, "U1") == second
    assert second.text == "did A\ndoing B"


def test_an_update_is_capped_in_utf8_bytes_and_a_full_one_is_left_as_it_was(
    store: Store,
) -> None:
    store.append_update("ops", DAY, "U1", "x" * (MAX_UPDATE_BYTES - 4), at(0))
    before = store.append_update("ops", DAY, "U1", "界", at(1))  # 3 bytes: exactly 1 left
    with pytest.raises(UpdateFull):
        store.append_update("ops", DAY, "U1", "é", at(2))  # 1 character, 2 bytes
    assert store.get_update("ops", DAY, "U1") == before
    assert store.append_update("ops", DAY, "U1", "!", at(3)).entries[-1] == "!"
    with pytest.raises(UpdateFull):
        store.append_update("ops", DAY, "U2", "界" * (MAX_UPDATE_BYTES // 3 + 1), at(0))
    assert store.get_update("ops", DAY, "U2") is None


def test_identical_entries_are_kept_not_deduplicated(store: Store) -> None:
    for minute in range(3):
        store.append_update("ops", DAY, "U1", "same", at(minute))
    update = store.get_update("ops", DAY, "U1")
    assert update is not None and update.entries == ("same", "same", "same")


@pytest.mark.parametrize(
    "text",
    [
        "🚀 shipped it 👩🏽‍💻 ✅",
        "مرحبا بالعالم — שלום עולם",
        "x" * 10_000,
        "<!channel> &lt;b&gt; <@U123|bob> *bold* _it_ `code`",
        "line one\nline two\r\n\ttabbed  ",
        "",
        'quotes \' " \\ and {"json": [1]} and %s %(x)s',
    ],
    ids=["emoji", "rtl", "10k", "mrkdwn", "newlines", "empty", "quoting"],
)
def test_update_text_is_stored_exactly(store: Store, text: str) -> None:
    store.append_update("ops", DAY, "U1", text, at(0))
    update = store.get_update("ops", DAY, "U1")
    assert update is not None and update.entries == (text,)


def test_updated_at_is_an_aware_instant_whatever_the_input_zone(store: Store) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    store.append_update("ops", DAY, "U1", "x", at(0).astimezone(paris))
    update = store.get_update("ops", DAY, "U1")
    assert update is not None and update.updated_at is not None
    assert update.updated_at == at(0) and update.updated_at.utcoffset() == dt.timedelta(0)


def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = dt.datetime(2026, 3, 2, 9, 0)
    with pytest.raises(ValueError, match="aware"):
        store.append_update("ops", DAY, "U1", "x", naive)
    with pytest.raises(ValueError, match="aware"):
        store.claim_delivery(DIGEST_TO_GENERAL, naive)
    assert store.get_update("ops", DAY, "U1") is None
    assert store.list_deliveries("ops", DAY) == []


def test_get_update_missing_is_none(store: Store) -> None:
    assert store.get_update("ops", DAY, "U1") is None


def test_list_updates_only_that_team_and_date_sorted_by_user_id(store: Store) -> None:
    for team, date, user_id in [
        ("ops", DAY, "U3"), ("ops", DAY, "U1"), ("ops", "2026-03-03", "U2"),
        ("dev", DAY, "U2"), ("ops", DAY, "U10"),
    ]:
        store.append_update(team, date, user_id, f"{team} {date} {user_id}", at(0))
    updates = store.list_updates("ops", DAY)
    assert [u.user_id for u in updates] == ["U1", "U10", "U3"]
    assert updates[0] == Update("ops", DAY, "U1", (f"ops {DAY} U1",), at(0),
                                first_posted_at=at(0))
    assert store.list_updates("ops", "2026-03-04") == []


def test_clear_update_returns_what_it_removed_then_none(store: Store) -> None:
    store.append_update("ops", DAY, "U1", "a", at(0))
    kept = store.append_update("ops", DAY, "U2", "keep", at(1))
    removed = store.append_update("ops", DAY, "U1", "b", at(2))
    assert store.clear_update("ops", DAY, "U1") == removed
    assert store.clear_update("ops", DAY, "U1") is None
    assert store.get_update("ops", DAY, "U1") is None
    assert store.list_updates("ops", DAY) == [kept]
    fresh = store.append_update("ops", DAY, "U1", "again", at(3))
    assert fresh.entries == ("again",)


def test_concurrent_appends_to_one_update_lose_nothing(store: Store) -> None:
    threads, appends = 4, 5

    def writer(i: int) -> None:
        for j in range(appends):
            store.append_update("ops", DAY, "U1", f"t{i}-{j}", at(j))

    race(threads, writer)
    update = store.get_update("ops", DAY, "U1")
    assert update is not None
    assert sorted(update.entries) == sorted(f"t{i}-{j}" for i in range(threads)
                                            for j in range(appends))
    for i in range(threads):  # each writer's entries stay in the order it wrote them
        assert [e for e in update.entries if e.startswith(f"t{i}-")] == [
            f"t{i}-{j}" for j in range(appends)
        ]


# Deliveries ----------------------------------------------------------------
def test_claim_delivery_once_then_refused(store: Store) -> None:
    assert store.claim_delivery(DIGEST_TO_GENERAL, at(0)) is True
    assert store.claim_delivery(DIGEST_TO_GENERAL, at(1)) is False
    assert store.list_deliveries("ops", DAY) == [
        Delivery(DIGEST, "ops", DAY, "#general", at(0), sent=False, detail="")
    ]


def test_claims_are_per_kind_team_date_and_target(store: Store) -> None:
    claims = [(DIGEST, "ops", DAY, "U1"), (REMINDER, "ops", DAY, "U1"),
              (REMINDER, "dev", DAY, "U1"), (REMINDER, "ops", "2026-03-03", "U1"),
              (REMINDER, "ops", DAY, "U2")]
    assert [store.claim_delivery(DeliveryKey(*c), at(0)) for c in claims] == [True] * len(claims)


def test_released_claim_can_be_claimed_again(store: Store) -> None:
    assert store.claim_delivery(REMIND_U1, at(0))
    store.release_delivery(REMIND_U1)
    assert store.list_deliveries("ops", DAY) == []
    assert store.claim_delivery(REMIND_U1, at(1)) is True
    never_claimed = DeliveryKey(REMINDER, "ops", DAY, "never-claimed")
    store.release_delivery(never_claimed)  # a no-op, not an error


def test_complete_delivery_marks_sent_with_detail(store: Store) -> None:
    store.claim_delivery(DIGEST_TO_GENERAL, at(0))
    store.complete_delivery(DIGEST_TO_GENERAL, detail="1712345678.000100")
    assert store.list_deliveries("ops", DAY) == [
        Delivery(DIGEST, "ops", DAY, "#general", at(0), sent=True, detail="1712345678.000100")
    ]
    assert store.claim_delivery(DIGEST_TO_GENERAL, at(1)) is False


def test_completing_an_unclaimed_delivery_records_it_as_sent(store: Store) -> None:
    store.complete_delivery(REMIND_U1, detail="ts")
    [delivery] = store.list_deliveries("ops", DAY)
    assert (delivery.kind, delivery.target, delivery.sent, delivery.detail) == (
        REMINDER, "U1", True, "ts")
    assert delivery.claimed_at.tzinfo is not None
    assert store.claim_delivery(REMIND_U1, at(0)) is False


def test_list_deliveries_only_that_team_and_date_sorted_by_kind_then_target(
    store: Store,
) -> None:
    for kind, team, date, target in [
        (REMINDER, "ops", DAY, "U2"), (DIGEST, "ops", DAY, "#testing"),
        (REMINDER, "ops", DAY, "U1"), (DIGEST, "ops", DAY, "#general"),
        (DIGEST, "dev", DAY, "#general"), (REMINDER, "ops", "2026-03-03", "U1"),
    ]:
        store.claim_delivery(DeliveryKey(kind, team, date, target), at(0))
    listed = [(d.kind, d.target) for d in store.list_deliveries("ops", DAY)]
    assert listed == [(DIGEST, "#general"), (DIGEST, "#testing"), (REMINDER, "U1"),
                      (REMINDER, "U2")]


def test_concurrent_claims_have_exactly_one_winner(store: Store) -> None:
    wins = race(8, lambda i: store.claim_delivery(DIGEST_TO_GENERAL, at(i)))
    assert sorted(wins) == [False] * 7 + [True]
    assert len(store.list_deliveries("ops", DAY)) == 1


# Awkward names -------------------------------------------------------------
AWKWARD = ["ops/ünï_cödé 🚀 #1", ".", "..", "__x__", "a%2Fb", "tab\tand space", ""]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_keys_round_trip(store: Store, name: str) -> None:
    store.save_team(Team(name, channel="C123/456"))
    store.save_member(Member(name, name, name))
    store.append_update(name, DAY, name, "hi", at(0))
    assert store.claim_delivery(DeliveryKey(DIGEST, name, DAY, "C123/456"), at(0))
    assert store.claim_delivery(DeliveryKey(DIGEST, name, DAY, "#general"), at(0))
    assert store.get_team(name) == Team(name, channel="C123/456")
    assert store.list_members(name) == [Member(name, name, name)]
    assert store.list_updates(name, DAY) == [Update(name, DAY, name, ("hi",), at(0),
                                                    first_posted_at=at(0))]
    assert [d.target for d in store.list_deliveries(name, DAY)] == ["#general", "C123/456"]
    assert store.delete_team(name) and store.remove_member(name)
    assert store.clear_update(name, DAY, name) is not None


def test_keys_that_share_a_naive_joined_id_stay_distinct(store: Store) -> None:
    # ("t", DAY, "x__y") and ("t__DAY", "x", "y") both naively join to "t__DAY__x__y".
    assert store.claim_delivery(DeliveryKey(DIGEST, "t", DAY, "x__y"), at(0))
    assert store.claim_delivery(DeliveryKey(DIGEST, f"t__{DAY}", "x", "y"), at(0))
    store.append_update("a__b", "c", "d", "first", at(0))
    assert store.append_update("a", "b__c", "d", "second", at(0)).entries == ("second",)
    store.save_team(Team("a/b"))
    assert store.get_team("a/b") == Team("a/b") and store.get_team("a%2Fb") is None


# Reclaiming a claim whose claimer died between claiming and completing -------------------

STALE = dt.timedelta(minutes=2)


def test_reclaim_takes_over_only_an_old_unsent_claim(store: Store) -> None:
    key = DeliveryKey(DeliveryKind.REMINDER, "eng", "2026-03-02", "U1")
    assert store.reclaim_delivery(key, T0, T0) is None  # no claim
    store.claim_delivery(key, T0)
    later = T0 + dt.timedelta(minutes=5)
    assert store.reclaim_delivery(key, later, T0) is None  # fresh
    previous = store.reclaim_delivery(key, later, later - STALE)
    assert previous is not None and previous.claimed_at == T0 and not previous.sent
    (now,) = store.list_deliveries("eng", "2026-03-02")
    assert now.claimed_at == later  # re-stamped: the next reclaimer sees a fresh claim
    assert store.reclaim_delivery(key, later, later - STALE) is None


def test_a_completed_delivery_is_never_reclaimed(store: Store) -> None:
    key = DeliveryKey(DeliveryKind.DIGEST, "eng", "2026-03-02", "#general")
    store.claim_delivery(key, T0)
    store.complete_delivery(key, detail="1.0001")
    far = T0 + dt.timedelta(days=1)
    assert store.reclaim_delivery(key, far, far) is None


def test_concurrent_reclaims_have_exactly_one_winner(store: Store) -> None:
    key = DeliveryKey(DeliveryKind.REMINDER, "eng", "2026-03-02", "U9")
    store.claim_delivery(key, T0)
    later = T0 + dt.timedelta(minutes=10)

    def reclaim(_: int) -> Delivery | None:
        return store.reclaim_delivery(key, later, later - STALE)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(reclaim, range(8)))
    assert sum(r is not None for r in results) == 1


def test_a_claim_of_a_dead_owner_is_taken_over_at_once_and_only_once(store: Store) -> None:
    key = DeliveryKey(DeliveryKind.REMINDER, "eng", "2026-03-02", "U7")
    store.claim_delivery(key, T0, "host:123:456")
    (claim,) = store.list_deliveries("eng", "2026-03-02")
    assert claim.detail == "host:123:456"  # the owner is kept until the claim completes
    soon = T0 + dt.timedelta(seconds=3)  # far inside any lease

    def reclaim(owner: str) -> Delivery | None:
        return store.reclaim_delivery(key, soon, T0, if_owner="host:123:456", new_owner=owner)

    assert store.reclaim_delivery(key, soon, T0, if_owner="someone-else", new_owner="me") is None
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(reclaim, ["a", "b", "c", "d"]))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].detail == "host:123:456"
    (now,) = store.list_deliveries("eng", "2026-03-02")
    assert now.detail in ("a", "b", "c", "d") and now.claimed_at == soon


# Seen requests (replay guard) --------------------------------------------------------------
def test_a_request_is_remembered_once_until_it_expires(store: Store) -> None:
    until = at(6)
    assert store.remember_request("v0=abc", at(0), until) is True
    assert store.remember_request("v0=abc", at(1), until) is False  # a replay
    assert store.remember_request("v0=abc", at(5), until) is False  # still inside
    assert store.remember_request("v0=other", at(1), until) is True  # another request
    assert store.remember_request("v0=abc", at(6), at(12)) is True  # expired: new again
    assert store.remember_request("v0=abc", at(7), at(12)) is False


def test_one_of_many_simultaneous_replays_gets_through(store: Store) -> None:
    assert sum(race(8, lambda i: store.remember_request("v0=same", at(0), at(6)))) == 1


def test_one_of_many_replays_after_expiry_gets_through(store: Store) -> None:
    store.remember_request("v0=same", at(0), at(6))
    assert sum(race(8, lambda i: store.remember_request("v0=same", at(7), at(13)))) == 1


# Scheduled slots -------------------------------------------------------------------------------
def slot_claim(minutes: int, owner: str = "host:1:1", *, done: bool = False) -> SlotClaim:
    return SlotClaim("reminder:ops", at(minutes), owner, at(minutes), done)


def test_a_slot_claim_is_compare_and_set(store: Store) -> None:
    first, later = slot_claim(0), slot_claim(60, "host:2:2")
    assert store.get_slot_claim("reminder:ops") is None
    assert store.swap_slot_claim(first, later) is False  # nothing stored yet
    assert store.swap_slot_claim(None, first) is True
    assert store.get_slot_claim("reminder:ops") == first
    assert store.swap_slot_claim(None, later) is False  # something is stored now
    assert store.swap_slot_claim(slot_claim(0, "host:9:9"), later) is False  # not what is stored
    finished = slot_claim(0, done=True)
    assert store.swap_slot_claim(first, finished) is True
    assert store.get_slot_claim("reminder:ops") == finished
    assert store.swap_slot_claim(first, later) is False  # stale expectation
    assert store.get_slot_claim("standup:ops") is None  # jobs are separate


def test_one_of_many_replicas_claims_a_slot(store: Store) -> None:
    def claim(i: int) -> bool:
        return store.swap_slot_claim(None, slot_claim(0, f"host:{i}:1"))

    assert sum(race(8, claim)) == 1
    current = store.get_slot_claim("reminder:ops")
    assert current is not None

    def take_over(i: int) -> bool:
        return store.swap_slot_claim(current, slot_claim(60, f"other:{i}:1"))

    assert sum(race(8, take_over)) == 1


# Deadlines -----------------------------------------------------------------------------------
def test_a_passed_deadline_fails_every_call_and_writes_nothing(store: Store) -> None:
    from marvin.store import StoreError, deadline

    with deadline(0.0):
        with pytest.raises(StoreError, match="deadline has passed"):
            store.append_update("ops", DAY, "U1", "late", at(0))
        with pytest.raises(StoreError, match="deadline has passed"):
            store.claim_delivery(REMIND_U1, at(0))
    assert store.get_update("ops", DAY, "U1") is None
    assert store.list_deliveries("ops", DAY) == []
    with deadline(30):  # a deadline with time left changes nothing
        assert store.append_update("ops", DAY, "U1", "on time", at(0)).entries == ("on time",)


# Channels (the name -> id cache) ---------------------------------------------
def test_a_channel_id_is_remembered_by_name_replaced_and_forgotten(store: Store) -> None:
    assert store.get_channel("general") is None
    store.save_channel(ChannelRef("general", "C0OLD"))
    store.save_channel(ChannelRef("general", "C0NEW"))
    store.save_channel(ChannelRef("ops", "C0OPS", is_private=True))
    assert store.get_channel("general") == ChannelRef("general", "C0NEW")
    assert store.get_channel("ops") == ChannelRef("ops", "C0OPS", is_private=True)
    store.forget_channel("general")
    store.forget_channel("never-known")  # no error
    assert store.get_channel("general") is None
    assert store.get_channel("ops") is not None
