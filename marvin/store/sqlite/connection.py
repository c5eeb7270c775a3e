"""SQLite connections: opening, pragmas, locking and error translation for store and history.

One connection per store, guarded by a lock (``check_same_thread=False``), rather than one
connection per thread: every call is a sub-millisecond statement, so serialising them costs
nothing at Marvin's scale; `close` can then really close everything (per-thread connections
leak with short-lived worker threads and cannot be closed from another thread); and
``:memory:`` works (each extra connection would see its own empty database).
Across processes, WAL + ``busy_timeout`` + ``BEGIN IMMEDIATE`` serialise writers on one file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from marvin.store.base import StoreError, time_left

BUSY_TIMEOUT_MS = 10_000  # how long a writer waits for another process's write lock


def connect(path: str) -> sqlite3.Connection:
    """A connection set up the way every Marvin table on SQLite expects (the store's and
    the run history's): autocommit (explicit BEGINs), shared across threads behind the
    caller's lock, WAL, and a busy timeout for other processes' writes."""
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open SQLite database {path!r}: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        conn.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"cannot set up SQLite database {path!r}: {exc}") from exc
    return conn


class SqliteDatabase:
    """What `SqliteStore` and `SqliteHistory` share: one connection behind a lock, set up by
    the subclass's `_setup`, and sqlite3 failures turned into `StoreError`."""

    _label = "SQLite"
    """How error messages name what failed (``SQLite save_team failed on ...``)."""

    def __init__(self, path: str) -> None:
        """Open (creating if needed) the database at `path` and the subclass's tables."""
        self.path = path
        self._lock = threading.RLock()
        self._conn = connect(path)
        try:
            self._setup()
        except StoreError:
            self._conn.close()
            raise

    def _setup(self) -> None:
        """Create or upgrade the tables this class keeps."""
        raise NotImplementedError

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """Serialise use of the connection and turn sqlite3 failures into `StoreError`."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(f"{self._label} {op} failed on {self.path!r}: {exc}") from exc

    @contextmanager
    def _transaction(self, op: str, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` for writes: take the write lock up front, so read-modify-write
        is atomic and no reader sees half of a batch.

        ``DEFERRED`` for reads that must agree with each other (a WAL snapshot).
        """
        with self._errors(op):
            self._conn.execute(f"BEGIN {mode}")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:  # also after a failed COMMIT
                    self._conn.execute("ROLLBACK")
                raise

    def _read(self, op: str, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with self._errors(op):
            return list(self._conn.execute(sql, params).fetchall())

    def close(self) -> None:
        """Close the connection; the object is unusable afterwards."""
        with self._lock:
            self._conn.close()


@contextmanager
def busy_wait_within_deadline(conn: sqlite3.Connection, op: str) -> Iterator[None]:
    """Under a caller's `deadline`, cut waiting for another process's write lock to the
    time left (the only way a local file is slow), and restore the usual wait after.

    Raises:
        StoreError: the deadline has passed, so `op` is not even tried.
    """
    left = time_left(op)
    if left is None:
        yield
        return
    conn.execute(f"PRAGMA busy_timeout = {int(left * 1000)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
