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

JSON (parameters, graph, logs) is TEXT: it is only ever read back whole. Datetimes are ISO
8601 in UTC with offset and fixed microseconds: text order is time order, so ``ORDER BY
started_at`` and ``started_at < ?`` work on the text.

Example::

    history = SqliteHistory("marvin.db")
    history.save_task_runs(task_runs)        # thousands, one transaction
    detail = history.get_run("3f2a9c")       # a prefix of at least 6 characters
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, overload

from marvin.store.base import StoreError
from marvin.store.run_records import (
    EventRecord,
    FlowRunRecord,
    LogRecord,
    RunDetail,
    TaskRunRecord,
)
from marvin.store.sqlite.store import connect

MIN_PREFIX = 6  # shortest run id prefix `get_run` accepts
MAX_CANDIDATES = 10  # candidates named when a prefix is ambiguous

_SCHEMA = """
CREATE TABLE IF NOT EXISTS flow_runs (
    id TEXT PRIMARY KEY, flow TEXT NOT NULL, version TEXT NOT NULL, parameters TEXT NOT NULL,
    state TEXT NOT NULL, message TEXT NOT NULL, scheduled_at TEXT, started_at TEXT,
    ended_at TEXT, graph TEXT NOT NULL, runner TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS flow_runs_by_start ON flow_runs (started_at);
CREATE INDEX IF NOT EXISTS flow_runs_by_flow ON flow_runs (flow, started_at);
CREATE TABLE IF NOT EXISTS task_run_chunks (
    flow_run_id TEXT NOT NULL, first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL, task_runs TEXT NOT NULL,
    PRIMARY KEY (flow_run_id, first_position)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_run_chunk_spans
    ON task_run_chunks (flow_run_id, first_position, last_position);
CREATE TABLE IF NOT EXISTS events (
    flow_run_id TEXT NOT NULL, task_run_id TEXT, at TEXT NOT NULL, system TEXT NOT NULL,
    method TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,
    duration_ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_run ON events (flow_run_id, at);
"""
_FLOW_COLUMNS = (
    "id, flow, version, parameters, state, message, scheduled_at, started_at, ended_at, graph, "
    "runner"
)
_ADDED_COLUMNS = {"runner": "ALTER TABLE flow_runs ADD COLUMN runner TEXT NOT NULL DEFAULT ''"}
"""Columns added since the first release: a database made before gets them on opening."""
CHUNK_SIZE = 512  # task runs per stored row
_EVENT_COLUMNS = "flow_run_id, task_run_id, at, system, method, target, outcome, duration_ms"
_OLD_RUNS = "SELECT id FROM flow_runs WHERE started_at < ?"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = _EPOCH.replace(tzinfo=None)
_SECONDS: dict[int, str] = {}  # seconds since the epoch -> "YYYY-MM-DDTHH:MM:SS"
_SECONDS_CACHED = 4096
_MILLIS = [f".{n:03d}" for n in range(1000)]
_MICROS = [f"{n:03d}+00:00" for n in range(1000)]


class SqliteHistory:
    """`RunHistory` on one SQLite file (or ``:memory:``); safe across threads and processes."""

    def __init__(self, path: str) -> None:
        """Open (creating if needed) the history tables in the database at `path`."""
        self.path = path
        self._lock = threading.RLock()
        self._conn = connect(path)
        try:
            with self._transaction("open") as db:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                have = {row[1] for row in db.execute("PRAGMA table_info(flow_runs)")}
                for column, statement in _ADDED_COLUMNS.items():
                    if column not in have:
                        db.execute(statement)
        except StoreError:
            self._conn.close()
            raise

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """Serialise use of the connection and turn sqlite3 failures into `StoreError`."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite history {op} failed on {self.path!r}: {exc}") from exc

    @contextmanager
    def _transaction(self, op: str, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` for writes: one commit per batch, no reader sees half of it.

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
            return self._conn.execute(sql, params).fetchall()

    # Writes ------------------------------------------------------------------------------
    def save_flow_run(self, run: FlowRunRecord) -> None:
        """Create or replace a flow run's header (written at start and again at the end)."""
        row = (run.id, run.flow, run.version, _json(run.parameters), run.state, run.message,
               _iso(run.scheduled_at), _iso(run.started_at), _iso(run.ended_at),
               _json(run.graph), run.runner)
        with self._errors("save_flow_run"):
            self._conn.execute(
                f"INSERT OR REPLACE INTO flow_runs ({_FLOW_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row,
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
            by_run.setdefault(r.flow_run_id, []).append((r.position, _task_json(r)))
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
        rows = [(e.flow_run_id, e.task_run_id, _iso(e.at), e.system, e.method, e.target,
                 e.outcome, e.duration_ms) for e in events]
        with self._transaction("save_events") as db:
            db.executemany(
                f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )

    def delete_runs_before(self, cutoff: dt.datetime) -> int:
        """Delete runs started before `cutoff`, their task runs and events, in one transaction.

        Runs that never started (``started_at`` NULL) are kept: their age is unknown.
        """
        stamp = _iso(cutoff)
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
        self, *, flow: str | None = None, limit: int = 20, since: dt.datetime | None = None
    ) -> list[FlowRunRecord]:
        """Newest first (by started_at, then id; never-started runs last), at most `limit`."""
        if limit <= 0:
            return []
        filters = [(sql, value) for sql, value in [
            ("flow = ?", flow), ("started_at >= ?", None if since is None else _iso(since))
        ] if value is not None]
        where = " AND ".join(["1", *(sql for sql, _ in filters)])
        rows = self._read(
            "list_flow_runs", f"SELECT {_FLOW_COLUMNS} FROM flow_runs WHERE {where} "
            "ORDER BY started_at DESC, id DESC LIMIT ?", *(v for _, v in filters), limit,
        )
        return [_flow_run(r) for r in rows]

    def list_unfinished(self) -> list[FlowRunRecord]:
        """Runs recorded as "Running" (started, never ended), newest first."""
        rows = self._read(
            "list_unfinished", f"SELECT {_FLOW_COLUMNS} FROM flow_runs WHERE state = 'Running' "
            "ORDER BY started_at DESC, id DESC",
        )
        return [_flow_run(r) for r in rows]

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
        tasks = [_task_run(ids[0], item) for (text,) in chunks for item in json.loads(text)]
        tasks.sort(key=_by_position)  # chunks written in batches may interleave their spans
        return RunDetail(_flow_run(run), tasks, [_event(r) for r in events])

    def _ids_starting_with(self, prefix: str) -> list[str]:
        """Up to MAX_CANDIDATES + 1 run ids with this prefix, by a range scan of the key."""
        check_prefix(prefix)
        rows = self._read(
            "get_run", "SELECT id FROM flow_runs WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            prefix, prefix_end(prefix), MAX_CANDIDATES + 1,
        )
        return [r[0] for r in rows if r[0].startswith(prefix)]

    def close(self) -> None:
        """Close the connection; the history is unusable afterwards."""
        with self._lock:
            self._conn.close()


# Rules shared by every backend (`FirestoreHistory` imports these). ---------------------------
def check_positions(runs: Sequence[TaskRunRecord]) -> None:
    """Refuse two task runs at one position of a run in a call: one would replace the other.

    (flow run, position) is the key and `position` defaults to 0: records built without a
    position must fail loudly, not overwrite each other.
    """
    if len({(r.flow_run_id, r.position) for r in runs}) < len(runs):  # one pass: hot
        keys = [(r.flow_run_id, r.position) for r in runs]
        run, position = next(k for k, n in Counter(keys).items() if n > 1)
        raise ValueError(f"task runs share position {position} of run {run!r}")


def check_prefix(prefix: str) -> None:
    """Refuse a prefix too short to name one run among thousands."""
    if len(prefix) < MIN_PREFIX:
        raise ValueError(
            f"run id prefix {prefix!r} is too short: give at least {MIN_PREFIX} characters"
        )


def prefix_end(prefix: str) -> str:
    """The least string above all strings starting with `prefix`, in code point order.

    That is UTF-8 byte order, which SQLite and Firestore compare by. Exact, unlike
    ``prefix + "\\uf8ff"``, which misses ids going on with an emoji, say.
    """
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if last > 0x10FFFF:  # nothing is above U+10FFFF: drop it and bump the character before
        return prefix_end(prefix[:-1]) if len(prefix) > 1 else prefix + "\U0010ffff"
    return prefix[:-1] + chr(last)


def ambiguous(prefix: str, ids: Sequence[str]) -> str:
    """The message of the ValueError for a prefix matching several runs: it names them."""
    named = ", ".join(ids[:MAX_CANDIDATES]) + (", ..." if len(ids) > MAX_CANDIDATES else "")
    return f"run id prefix {prefix!r} is ambiguous: it matches {named}"


@overload
def _iso(value: dt.datetime) -> str: ...
@overload
def _iso(value: None) -> None: ...
def _iso(value: dt.datetime | None) -> str | None:
    """UTC ISO 8601 with offset and fixed microseconds; naive input is refused.

    ``isoformat`` costs ~2 µs here, twice per task run, against a budget of ~5 µs per
    record. A run's task runs share few seconds, so each second's text is cached and the
    microseconds are looked up by thousands: ~0.5 µs.
    """
    if value is None:
        return None
    if value.tzinfo is not dt.UTC and value.utcoffset() is None:
        raise ValueError(f"datetime must be time-zone aware, got {value!r}")
    delta = value - _EPOCH  # exact, whatever the offset
    second = delta.days * 86_400 + delta.seconds
    text = _SECONDS.get(second)
    if text is None:
        if len(_SECONDS) >= _SECONDS_CACHED:
            _SECONDS.clear()
        text = (_EPOCH_NAIVE + dt.timedelta(seconds=second)).isoformat()
        _SECONDS[second] = text
    micro = delta.microseconds
    return text + _MILLIS[micro // 1000] + _MICROS[micro % 1000]


def _time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _logs_json(logs: Iterable[LogRecord]) -> str:
    """Logs as ``[[at, level, message], ...]``, the JSON that `json.dumps` would write.

    Built from the C string encoder directly: ``json.dumps`` costs ~4 µs a call here.
    """
    return "[" + ",".join(
        f"[{_quote(_iso(log.at))},{_quote(log.level)},{_quote(log.message)}]" for log in logs
    ) + "]"


def _task_json(r: TaskRunRecord) -> str:
    """One task run as a JSON array, as ``json.dumps`` would write it but ~3x faster:
    ``[position, id, task, map_index, parent_id, state, message, result, run_count,
    started_at, ended_at, logs]``. Most task runs have no logs, and ``[]`` is free."""
    if type(r.position) is not int or (r.map_index is not None and type(r.map_index) is not int):
        raise ValueError(f"task run {r.id!r}: position and map_index must be integers")
    # ids that follow from (run, task, map index), as the engine makes them, are stored as
    # null: most of a chunk's bytes otherwise, and rebuilt when read.
    own = f"{r.flow_run_id}/{r.task}"
    index = r.map_index
    derived_id = own if index is None else f"{own}[{index}]"
    stored_id = "null" if r.id == derived_id else _quote(r.id)
    derived_parent = None if index is None else own
    stored_parent = "0" if r.parent_id == derived_parent else (
        "null" if r.parent_id is None else _quote(r.parent_id)
    )
    return (
        f"[{r.position},{stored_id},{_quote(r.task)},"
        f"{'null' if index is None else index},"
        f"{stored_parent},"
        f"{_quote(r.state)},{_quote(r.message)},{_quote(r.result)},{int(r.run_count)},"
        f"{_quoted_time(r.started_at)},{_quoted_time(r.ended_at)},"
        f"{_logs_json(r.logs) if r.logs else '[]'}]"
    )


def _quoted_time(value: dt.datetime | None) -> str:
    return "null" if value is None else f'"{_iso(value)}"'


def _by_position(task_run: TaskRunRecord) -> int:
    return task_run.position


def _chunks(items: list[tuple[int, str]]) -> Iterator[list[tuple[int, str]]]:
    for start in range(0, len(items), CHUNK_SIZE):
        yield items[start : start + CHUNK_SIZE]


def _flow_run(row: tuple[Any, ...]) -> FlowRunRecord:
    (run_id, flow, version, parameters, state, message, scheduled, started, ended, graph,
     runner) = row
    return FlowRunRecord(run_id, flow, version, json.loads(parameters), state, message,
                         _time(scheduled), _time(started), _time(ended), json.loads(graph),
                         runner)


def _task_run(flow_run_id: str, item: list[Any]) -> TaskRunRecord:
    position, run_id, task, index, parent, state, message, result, count = item[:9]
    own = f"{flow_run_id}/{task}"
    if run_id is None:  # derived: see _task_json
        run_id = own if index is None else f"{own}[{index}]"
    if parent == 0:
        parent = None if index is None else own
    logs = tuple(LogRecord(dt.datetime.fromisoformat(at), level, text)
                 for at, level, text in item[11])
    return TaskRunRecord(run_id, flow_run_id, task, index, parent, state, message, result,
                         count, _time(item[9]), _time(item[10]), position, logs)


def _event(row: tuple[Any, ...]) -> EventRecord:
    flow_run_id, task_run_id, at, system, method, target, outcome, duration_ms = row
    return EventRecord(flow_run_id, task_run_id, dt.datetime.fromisoformat(at), system, method,
                       target, outcome, duration_ms)
