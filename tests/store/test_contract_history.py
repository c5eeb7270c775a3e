"""The `Store` contract for reading history back: a member's latest updates, and a team's
updates over a range of dates page by page, on SQLite and on Firestore."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.store import Store
from marvin.store.firestore import store as firestore_store_module
from marvin.store.sqlite import store as sqlite_store_module

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
DATES = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]


def _seed(store: Store) -> None:
    for day, date in enumerate(DATES):
        for user in ("U1", "U2", "U3"):
            store.append_update("ops", date, user, f"{user} on {date}",
                                T0 + dt.timedelta(days=day))
    store.append_update("web", DATES[0], "U1", "another team", T0)


def test_member_updates_come_newest_first_limited_and_of_one_team(store: Store) -> None:
    _seed(store)
    latest = store.list_member_updates("ops", "U2", limit=3)
    assert [u.date for u in latest] == DATES[::-1][:3]
    assert all(u.user_id == "U2" and u.team == "ops" for u in latest)
    assert latest[0].entries == (f"U2 on {DATES[-1]}",)
    assert [u.date for u in store.list_member_updates("ops", "U2", limit=30)] == DATES[::-1]
    assert store.list_member_updates("web", "U1", limit=5)[0].entries == ("another team",)
    assert store.list_member_updates("ops", "U9", limit=5) == []
    assert store.list_member_updates("ops", "U1", limit=0) == []


def test_team_updates_in_date_then_user_order_within_bounds(store: Store) -> None:
    _seed(store)
    every = list(store.iter_team_updates("ops"))
    assert [(u.date, u.user_id) for u in every] == [
        (d, user) for d in DATES for user in ("U1", "U2", "U3")]
    bounded = list(store.iter_team_updates("ops", since=DATES[1], until=DATES[2]))
    assert {u.date for u in bounded} == {DATES[1], DATES[2]} and len(bounded) == 6
    assert [u.date for u in store.iter_team_updates("ops", since=DATES[4])] == [DATES[4]] * 3
    assert list(store.iter_team_updates("ops", until="2026-03-01")) == []
    assert list(store.iter_team_updates("nobody")) == []


def test_team_updates_are_read_page_by_page_without_losing_or_repeating_one(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of two: every page boundary falls inside a date, and between dates."""
    monkeypatch.setattr(sqlite_store_module, "UPDATE_PAGE", 2)
    monkeypatch.setattr(firestore_store_module, "UPDATE_PAGE", 2)
    _seed(store)
    keys = [(u.date, u.user_id) for u in store.iter_team_updates("ops", since=DATES[1])]
    assert keys == [(d, user) for d in DATES[1:] for user in ("U1", "U2", "U3")]


def test_team_updates_stream_lazily(store: Store) -> None:
    """An iterator, not a list: nothing is read before the first item is asked for."""
    _seed(store)
    updates = store.iter_team_updates("ops")
    assert not isinstance(updates, list)
    assert next(iter(updates)).date == DATES[0]
