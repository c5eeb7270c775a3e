"""Run history on SQLite: `RunHistory` in the same file as `SqliteStore` (or a file of its own).

Its own connection (one, behind a lock, as in `SqliteStore`) and its own tables: the two
can share ``marvin.db`` without sharing transactions; WAL, ``busy_timeout`` and ``BEGIN
IMMEDIATE`` serialise the writers. Tables are created ``IF NOT EXISTS``; ``user_version``
(the store's schema version) is left alone.

Task runs are stored in *chunks*: up to CHUNK_SIZE task runs at consecutive positions of
one flow run, as one JSON row keyed by (flow run, first position). A run of 20,000 task
runs is then ~40 inserts instead of 20,000: SQLite's per-row cost (3-5 µs) was most of
what recording added to a run (issue #4's target: ≤ 2x the engine's own overhead).
Replacing task runs by position stays exact: chunks holding a replaced position are
read, the replaced positions dropped, and what remains written back. A run's task runs
arrive in batches as it goes, so chunks' spans may interleave; reading sorts by position.

JSON (parameters, graph, logs) is TEXT: it is only ever read back whole; how records
become values is history_rows.py, the tables are in schema.py.

Example::

    history = SqliteHistory("marvin.db")
    history.save_task_runs(task_runs)        # thousands, one transaction
    detail = history.get_run("3f2a9c")       # a prefix of at least 6 characters
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from marvin.store.run_keys import (
    MAX_CANDIDATES,
    ambiguous,
    check_positions,
    check_prefix,
    prefix_end,
)
from marvin.store.run_records import EventRecord, FlowRunRecord, RunDetail, TaskRunRecord
from marvin.store.sqlite.connection import SqliteDatabase
from marvin.store.sqlite.history_rows import (
    compact_json,
    event_from_row,
    flow_run_from_row,
    iso,
    task_json,
    task_run_from_item,
)
from marvin.store.sqlite.schema import create_history_tables

_FLOW_COLUMNS = (
    "id, flow, version, parameters, state, message, scheduled_at, started_at, ended_at, graph, "
    "runner, summary"
)
CHUNK_SIZE = 512  # task runs per stored row
_EVENT_COLUMNS = "flow_run_id, task_run_id, at, system, method, target, outcome, duration_ms"
_OLD_RUNS = "SELECT id FROM flow_runs WHERE started_at < ?"


class SqliteHistory(SqliteDatabase):
    """`RunHistory` on one SQLite file (or ``:memory:``); safe across threads and processes."""

    _label = "SQLite history"

    def _setup(self) -> None:
        with self._transaction("open") as db:
            create_history_tables(db)

    # Writes ------------------------------------------------------------------------------
    def save_flow_run(self, run: FlowRunRecord) -> None:
        """Create or replace a flow run's header (written at start and again at the end)."""
        row = (run.id, run.flow, run.version, compact_json(run.parameters), run.state, run.message,
               iso(run.scheduled_at), iso(run.started_at), iso(run.ended_at),
               compact_json(run.graph), run.runner, compact_json(run.summary))
        with self._errors("save_flow_run"):
            self._conn.execute(
                f"INSERT OR REPLACE INTO flow_runs ({_FLOW_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row,
            )

    def save_task_runs(self, runs: Sequence[TaskRunRecord]) -> None:
        """Create or replace task runs by (flow run, position): one transaction, ``executemany``.

        Rows are built before the transaction starts, so a bad record (a naive datetime)
        fails the call before anything is written, and the write lock is held only for the
        inserts.
        """
        check_positions(runs)
        by_run: dict[str, list[tuple[int, str]]] = {}
        for r in runs:  # encoded before the transaction: a bad record writes nothing
            by_run.setdefault(r.flow_run_id, []).append((r.position, task_json(r)))
        with self._transaction("save_task_runs") as db:
            for flow_run_id, encoded in by_run.items():
                encoded.sort()
                kept = self._take_overlapping(db, flow_run_id, encoded)
                merged = sorted({**dict(kept), **dict(encoded)}.items()) if kept else encoded
                db.executemany(
                    "INSERT INTO task_run_chunks "
                    "(flow_run_id, first_position, last_position, task_runs) VALUES (?, ?, ?, ?)",
                    [
                        (flow_run_id, chunk[0][0], chunk[-1][0],
                         "[" + ",".join(text for _, text in chunk) + "]")
                        for chunk in _chunks(merged)
                    ],
                )

    @staticmethod
    def _take_overlapping(
        db: sqlite3.Connection, flow_run_id: str, encoded: list[tuple[int, str]]
    ) -> list[tuple[int, str]]:
        """Remove the stored chunks holding positions among these (a chunk whose span
        merely encloses them counts too); return the task runs in them that are not
        being replaced (to be written back).

        Positions may be sparse and written in batches as a run goes, so a batch's span
        can enclose chunks it does not touch: only chunks with one of its positions
        within their own span are read and rewritten.
        """
        low, high = encoded[0][0], encoded[-1][0]
        spans = db.execute(
            "SELECT first_position, last_position FROM task_run_chunks WHERE flow_run_id = ? "
            "AND last_position >= ? AND first_position <= ?", (flow_run_id, low, high),
        ).fetchall()
        if not spans:
            return []  # the usual case: a new run's task runs
        positions = [position for position, _ in encoded]  # sorted
        touched = [first for first, last in spans
                   if bisect_left(positions, first) < bisect_right(positions, last)]
        replaced = set(positions)
        kept = []
        for first in touched:
            (text,) = db.execute(
                "DELETE FROM task_run_chunks WHERE flow_run_id = ? AND first_position = ? "
                "RETURNING task_runs", (flow_run_id, first),
            ).fetchone()
            for item in json.loads(text):
                if item[0] not in replaced:
                    kept.append((item[0], json.dumps(item, separators=(",", ":"))))
        return kept

    def save_events(self, events: Sequence[EventRecord]) -> None:
        """Append events in one transaction; ties in time keep their insertion order."""
        rows = [(e.flow_run_id, e.task_run_id, iso(e.at), e.system, e.method, e.target,
                 e.outcome, e.duration_ms) for e in events]
        with self._transaction("save_events") as db:
            db.executemany(
                f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def delete_runs_before(self, cutoff: dt.datetime) -> int:
        """Delete runs started before `cutoff`, their task runs and events, in one transaction.

        Runs that never started (``started_at`` NULL) are kept: their age is unknown.
        """
        stamp = iso(cutoff)
        with self._transaction("delete_runs_before") as db:
            db.execute(
                f"DELETE FROM task_run_chunks WHERE flow_run_id IN ({_OLD_RUNS})", (stamp,)
            )
            db.execute(f"DELETE FROM events WHERE flow_run_id IN ({_OLD_RUNS})", (stamp,))
            deleted: int = db.execute(
                "DELETE FROM flow_runs WHERE started_at < ?", (stamp,)
            ).rowcount
        return deleted

    # Reads -------------------------------------------------------------------------------
    def list_flow_runs(
        self, *, flow: str | None = None, limit: int = 20, since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[FlowRunRecord]:
        """Newest first (by started_at, then id; never-started runs last), at most `limit`."""
        if limit <= 0:
            return []
        filters = [(sql, value) for sql, value in [
            ("flow = ?", flow), ("started_at >= ?", None if since is None else iso(since)),
            ("started_at <= ?", None if until is None else iso(until)),
        ] if value is not None]
        where = " AND ".join(["1", *(sql for sql, _ in filters)])
        rows = self._read(
            "list_flow_runs", f"SELECT {_FLOW_COLUMNS} FROM flow_runs WHERE {where} "
            "ORDER BY started_at DESC, id DESC LIMIT ?", *(v for _, v in filters), limit,
        )
        return [flow_run_from_row(r) for r in rows]

    def list_unfinished(self) -> list[FlowRunRecord]:
        """Runs recorded as "Running" (started, never ended), newest first."""
        rows = self._read(
            "list_unfinished", f"SELECT {_FLOW_COLUMNS} FROM flow_runs WHERE state = 'Running' "
            "ORDER BY started_at DESC, id DESC",
        )
        return [flow_run_from_row(r) for r in rows]

    def get_run(self, run_id: str) -> RunDetail | None:
        """A run with its task runs (by position) and events (in time order).

        An exact id always works; otherwise `run_id` is a prefix of at least 6 characters.

        Raises:
            ValueError: the prefix is too short, or matches several runs (they are named).
        """
        with self._transaction("get_run", "DEFERRED") as db:  # one snapshot for all three
            exact = db.execute("SELECT id FROM flow_runs WHERE id = ?", (run_id,)).fetchall()
            ids = [r[0] for r in exact] or self._ids_starting_with(run_id)
            if len(ids) != 1:
                if ids:
                    raise ValueError(ambiguous(run_id, ids))
                return None
            run = db.execute(f"SELECT {_FLOW_COLUMNS} FROM flow_runs WHERE id = ?", ids).fetchone()
            chunks = db.execute("SELECT task_runs FROM task_run_chunks WHERE flow_run_id = ? "
                                "ORDER BY first_position", ids).fetchall()
            events = db.execute(f"SELECT {_EVENT_COLUMNS} FROM events WHERE flow_run_id = ? "
                                "ORDER BY at, rowid", ids).fetchall()
        tasks = [task_run_from_item(ids[0], item)
                 for (text,) in chunks for item in json.loads(text)]
        tasks.sort(key=_by_position)  # chunks written in batches may interleave their spans
        return RunDetail(flow_run_from_row(run), tasks, [event_from_row(r) for r in events])

    def _ids_starting_with(self, prefix: str) -> list[str]:
        """Up to MAX_CANDIDATES + 1 run ids with this prefix, by a range scan of the key."""
        check_prefix(prefix)
        rows = self._read(
            "get_run", "SELECT id FROM flow_runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            prefix, prefix_end(prefix), MAX_CANDIDATES + 1,
        )
        return [r[0] for r in rows if r[0].startswith(prefix)]


def _by_position(task_run: TaskRunRecord) -> int:
    return task_run.position


def _chunks(items: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), CHUNK_SIZE):
        yield items[start : start + CHUNK_SIZE]


