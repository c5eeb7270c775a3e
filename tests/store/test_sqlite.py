"""What only the SQLite store promises: several processes on one file, and durability."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Member, Team
from marvin.store.sqlite.store import SqliteStore

DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)
TARGETS = [f"U{n}" for n in range(40)]


def _claim_targets(store: SqliteStore) -> list[str]:
    """Try to claim every target; return the ones this store won."""
    return [t for t in TARGETS if store.claim_delivery(DeliveryKey.reminder("ops", DAY, t), T0)]


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "marvin.db")


@pytest.fixture
def two_stores(db_path: str) -> Iterator[list[SqliteStore]]:
    """Two stores on one file: two connections, as two processes would have."""
    stores = [SqliteStore(db_path), SqliteStore(db_path)]
    yield stores
    for store in stores:
        store.close()


def test_a_claim_made_through_one_connection_blocks_the_other(
    two_stores: list[SqliteStore],
) -> None:
    a, b = two_stores
    assert a.claim_delivery(DeliveryKey.digest("ops", DAY, "#general"), T0) is True
    assert b.claim_delivery(DeliveryKey.digest("ops", DAY, "#general"), T0) is False


def test_racing_connections_each_claim_won_exactly_once(two_stores: list[SqliteStore]) -> None:
    barrier = threading.Barrier(8)

    def claim_all(i: int) -> list[str]:
        barrier.wait()
        return _claim_targets(two_stores[i % 2])

    with ThreadPoolExecutor(8) as pool:
        won = [t for targets in pool.map(claim_all, range(8)) for t in targets]
    assert sorted(won) == sorted(TARGETS)


def test_racing_connections_lose_no_appends(two_stores: list[SqliteStore]) -> None:
    def append(i: int) -> None:
        for j in range(10):
            two_stores[i % 2].append_update("ops", DAY, "U1", f"{i}-{j}", T0)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(append, range(4)))
    update = two_stores[0].get_update("ops", DAY, "U1")
    assert update is not None and len(update.entries) == 40 == len(set(update.entries))


def _claim_all(path: str) -> list[str]:
    """Run in a child process: claim every target, return the ones this process won."""
    store = SqliteStore(path)
    try:
        return _claim_targets(store)
    finally:
        store.close()


def test_real_processes_each_claim_won_exactly_once(db_path: str) -> None:
    SqliteStore(db_path).close()  # create the schema first, as `marvin serve` would
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(3, mp_context=spawn) as pool:
        won = [t for targets in pool.map(_claim_all, [db_path] * 3) for t in targets]
    assert sorted(won) == sorted(TARGETS)


def test_data_survives_close_and_reopen(db_path: str) -> None:
    store = SqliteStore(db_path)
    store.save_team(Team("ops", days=(1, 3)))
    store.save_member(Member("U1", "ops", "Arthur"))
    store.append_update("ops", DAY, "U1", "tea", T0)
    store.claim_delivery(DeliveryKey.digest("ops", DAY, "#general"), T0)
    store.close()
    store = SqliteStore(db_path)
    assert store.get_team("ops") == Team("ops", days=(1, 3))
    assert store.get_member("U1") == Member("U1", "ops", "Arthur")
    update = store.get_update("ops", DAY, "U1")
    assert update is not None and update.entries == ("tea",) and update.updated_at == T0
    assert not store.claim_delivery(DeliveryKey.digest("ops", DAY, "#general"), T0)
    store.close()
