"""The SQLite connection both tables share: one per object, behind a lock, failures as
`StoreError`, the wait for another process's write lock cut by a caller's deadline."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from marvin.domain.models import Member
from marvin.store import StoreError, deadline
from marvin.store.sqlite.connection import BUSY_TIMEOUT_MS, SqliteDatabase
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore

DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "marvin.db")


class Notes(SqliteDatabase):
    """The smallest user of `SqliteDatabase`: one table of notes."""

    def _setup(self) -> None:
        with self._transaction("open") as db:
            db.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT NOT NULL)")

    def add_both_or_neither(self, first: str, second: str | None) -> None:
        with self._transaction("add") as db:
            db.execute("INSERT INTO notes VALUES (?)", (first,))
            db.execute("INSERT INTO notes VALUES (?)", (second,))  # NOT NULL refuses None

    def texts(self) -> list[str]:
        return [row[0] for row in self._read("texts", "SELECT text FROM notes ORDER BY text")]


def test_a_failed_transaction_writes_nothing_and_names_the_operation(db_path: str) -> None:
    notes = Notes(db_path)
    try:
        notes.add_both_or_neither("a", "b")
        with pytest.raises(StoreError, match=r"^SQLite add failed on .*NOT NULL"):
            notes.add_both_or_neither("c", None)
        assert notes.texts() == ["a", "b"]
    finally:
        notes.close()


def test_a_failed_setup_closes_the_connection(tmp_path: Path) -> None:
    class Broken(SqliteDatabase):
        def _setup(self) -> None:
            with self._transaction("open") as db:
                db.execute("CREATE TABLE nonsense (")

    with pytest.raises(StoreError, match="SQLite open failed"):
        Broken(str(tmp_path / "marvin.db"))


def test_memory_database_is_shared_by_threads() -> None:
    store = SqliteStore(":memory:")
    with ThreadPoolExecutor(2) as pool:
        pool.submit(store.save_member, Member("U1")).result()
        assert pool.submit(store.get_member, "U1").result() == Member("U1")
    store.close()


@pytest.mark.parametrize(("opens", "op", "prefix"), [
    (SqliteStore, lambda store: store.get_team("ops"), "SQLite get_team"),
    (SqliteHistory, lambda history: history.list_flow_runs(), "SQLite history list_flow_runs"),
], ids=["store", "history"])
def test_sqlite_errors_become_store_errors(
    tmp_path: Path, opens: Callable[[str], Any], op: Callable[[Any], object], prefix: str
) -> None:
    with pytest.raises(StoreError, match="no-such-dir"):
        opens(str(tmp_path / "no-such-dir" / "marvin.db"))
    opened = opens(str(tmp_path / "marvin.db"))
    opened.close()
    with pytest.raises(StoreError, match=f"^{prefix} failed"):
        op(opened)


@pytest.mark.timeout(5)  # without the deadline this waits out the 10 s busy timeout
def test_a_deadline_cuts_the_wait_for_another_processs_write_lock(db_path: str) -> None:
    """Another connection holds the write lock: without a deadline a writer would wait up
    to BUSY_TIMEOUT_MS (10 s); under one it gives up when the deadline does, and the
    normal wait is back for the next call."""
    store = SqliteStore(db_path)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with deadline(0.3), pytest.raises(StoreError, match="locked"):
            store.append_update("ops", DAY, "U1", "x", T0)
        busy = store._conn.execute("PRAGMA busy_timeout").fetchone()[0]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy == BUSY_TIMEOUT_MS
    assert store.append_update("ops", DAY, "U1", "x", T0).entries == ("x",)
    store.close()
