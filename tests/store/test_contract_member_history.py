"""The `Store` contract for a member's latest updates within bounds (what `/standup
history` reads): the same answer on SQLite and on Firestore (which reads every candidate
date by id there), with gaps, edits, emptied updates and a member who changed team."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import Answer
from marvin.store import Store
from marvin.store.firestore import store as firestore_store_module

START = dt.date(2025, 1, 6)
T0 = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
SINCE, UNTIL = "2025-01-01", "2025-12-31"


def _day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


def _seed(store: Store) -> None:
    """U1 posts on irregular days over most of a year (weekends too); U2 in ops, then in
    web; U3 once, long ago; updates outside the bounds on both sides."""
    for n in range(0, 300, 7):
        store.append_update("ops", _day(n), "U1", f"week {n}", T0 + dt.timedelta(days=n))
    for n in (1, 2, 30, 31, 200):
        store.append_update("ops", _day(n), "U1", f"extra {n}", T0 + dt.timedelta(days=n))
    store.save_answers("ops", _day(14), "U1", (Answer("q1", "Did?", "edited"),),
                       T0 + dt.timedelta(days=20))
    store.set_skipped("ops", _day(28), "U1", True, T0 + dt.timedelta(days=28))
    for n in range(10):
        store.append_update("ops", _day(n), "U2", f"ops {n}", T0 + dt.timedelta(days=n))
        store.append_update("web", _day(n + 20), "U2", f"web {n}", T0 + dt.timedelta(days=n))
    store.append_update("ops", _day(3), "U3", "once", T0)
    store.append_update("ops", "2024-12-31", "U1", "before the bounds", T0)
    store.append_update("ops", "2026-01-01", "U1", "after the bounds", T0)


def _expected(store: Store, team: str, user: str, limit: int) -> list[tuple[str, ...]]:
    """The answer from the unbounded read (one query on both stores), cut to the bounds."""
    every = store.list_member_updates(team, user, limit=1000)
    return [(u.date, *u.entries) for u in every if SINCE <= u.date <= UNTIL][:limit]


@pytest.mark.parametrize(("team", "user"), [("ops", "U1"), ("ops", "U2"), ("web", "U2"),
                                            ("ops", "U3"), ("ops", "U9"), ("web", "U1")])
def test_bounded_member_updates_equal_the_query_cut_to_the_bounds(
    store: Store, monkeypatch: pytest.MonkeyPatch, team: str, user: str
) -> None:
    monkeypatch.setattr(firestore_store_module, "FIRST_DATES", 5)  # many batches
    _seed(store)
    for limit in (1, 3, 5, 30, 100):
        found = store.list_member_updates(team, user, limit=limit, since=SINCE, until=UNTIL)
        assert [(u.date, *u.entries) for u in found] == _expected(store, team, user, limit)
        assert all(u.team == team and u.user_id == user for u in found)


def test_bounded_member_updates_keep_answers_and_skips(store: Store) -> None:
    _seed(store)
    found = store.list_member_updates("ops", "U1", limit=100, since=SINCE, until=UNTIL)
    by_date = {u.date: u for u in found}
    assert by_date[_day(14)].answers == (Answer("q1", "Did?", "edited"),)
    assert by_date[_day(28)].skipped
    assert found[0].date == _day(294) and "before the bounds" not in found[-1].entries
    assert store.list_member_updates("ops", "U1", limit=0, since=SINCE, until=UNTIL) == []
