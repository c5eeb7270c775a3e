"""Run history on Firestore: `RunHistory` next to `FirestoreStore`, sharing its client.

Layout (ids from `doc_id`, as in the store)::

    flow_runs/{run id}                          the header; parameters, graph and summary
                                                as JSON text
    flow_runs/{run id}/task_runs/{hash-position} logs as an array of maps
    flow_runs/{run id}/events/{auto id}         `written` and `seq` order events of one instant

Subcollections rather than top-level ``task_runs``/``events``: a run's task runs and
events are plain listings of its own subcollections, where top-level collections would
need ``flow_run_id ==`` plus an order, so a composite index each; deleting a run finds its
children the same way. Task runs are keyed by (flow run, position), like SQLite's primary
key, so "replace" means the same on both backends. Queries across runs remain possible as
collection-group queries (with indexes of their own).

Parameters and graph are JSON text, not maps: their keys are anyone's (``__x__`` is reserved
in Firestore, integer keys are refused), and both backends then return the same values.

Every write is idempotent (a ``set`` or ``delete`` at an id chosen before the call), so
a commit that timed out may be retried like a read. Writes go in batches of at most
`MAX_BATCH` operations and ~`MAX_BATCH_BYTES`, under Firestore's per-request limits; a
call of several batches is not atomic, which a re-save repairs.

A big run writes thousands of task runs at once, which production Firestore only takes
well when the writes are spread and paced: a task run's id starts with a hash of its
position (`task_run_id`), so consecutive positions land far apart in the key range rather
than all at its end; every batch waits for the `Pacer` (500 writes/s at first, 50% more
every 5 minutes: pacing.py); and no field of a task run or an event is indexed (their
times and positions grow steadily, which production limits to 500 writes/s per index),
as they are only listed per run and sorted here. ``firestore.indexes.json`` (repo root)
holds those exemptions and the composite index `list_flow_runs` needs with a `flow`
(indexes.py lists every query); the emulator needs none of it. Task runs recorded before
ids were hashed keep their zero-padded ids: reading does not depend on ids.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from marvin.store.firestore.calls import FirestoreCall, Interceptor
from marvin.store.firestore.client import (
    DEFAULT_TIMEOUT,
    READ_ERRORS,
    FirestoreClient,
    Query,
    call_options,
    doc_id,
    utc,
)
from marvin.store.firestore.pacing import Pacer, RampUpPacer
from marvin.store.run_keys import (
    MAX_CANDIDATES,
    ambiguous,
    check_positions,
    check_prefix,
    prefix_end,
)
from marvin.store.run_records import (
    EventRecord,
    FlowRunRecord,
    LogRecord,
    RunDetail,
    TaskRunRecord,
)

MAX_BATCH = 500  # writes per commit (Firestore's limit for a batched write)
MAX_BATCH_BYTES = 8 * 1024 * 1024  # estimated payload per commit; a request may carry 10 MiB
RUNS = "flow_runs"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
TASK_RUNS = "task_runs"
EVENTS = "events"


class FirestoreHistory(FirestoreClient):
    """`RunHistory` on Cloud Firestore (or its emulator); safe to share between threads."""

    def __init__(
        self, project: str | None = None, client: object | None = None, *,
        timeout: float = DEFAULT_TIMEOUT, intercept: Interceptor | None = None,
        pacer: Pacer | None = None, namespace: str | None = None,
    ) -> None:
        """`pacer` paces the batches (default: a `RampUpPacer` of this history's own)."""
        super().__init__(project, client, timeout=timeout, intercept=intercept,
                         namespace=namespace)
        self.pacer: Pacer = pacer or RampUpPacer()
        # Every history write is idempotent (see above), so a commit may be retried on the
        # same errors as a read; no `deadline` applies to recording.
        self._call = call_options(READ_ERRORS, self._timeout)
        self._clock = threading.Lock()
        self._last_written = 0

    def _run(self, run_id: str) -> Any:
        return self._doc(RUNS, run_id)

    def _commit(self, writes: Iterable[tuple[Any, dict[str, Any] | None]]) -> None:
        """Set (or delete, for None) each document, in as few batches as the limits allow,
        each batch once the pacer allows its writes.

        One batch after another, in order. Not concurrently: encoding the documents (the
        library's protobuf layer) takes about as long as the commits, and holds the GIL.
        Not ``bulk_writer``: it paces the same way, but retries on threads of its own,
        outside this client's deadline and intercept seam.
        """
        for batch, count, deletes in self._batches(writes):
            self.pacer.acquire(count)
            self._rpc(FirestoreCall("commit", RUNS, writes=count, deletes=deletes),
                      functools.partial(batch.commit, **self._call))

    def _batches(
        self, writes: Iterable[tuple[Any, dict[str, Any] | None]]
    ) -> Iterator[tuple[Any, int, int]]:
        """(batch, writes in it, deletes among them)."""
        batch, count, deletes, size = self._client.batch(), 0, 0, 0
        for ref, data in writes:
            cost = 100 if data is None else _approx_bytes(data)
            if count and (count == MAX_BATCH or size + cost > MAX_BATCH_BYTES):
                yield batch, count, deletes
                batch, count, deletes, size = self._client.batch(), 0, 0, 0
            if data is None:
                batch.delete(ref)
                deletes += 1
            else:
                batch.set(ref, data)
            count, size = count + 1, size + cost
        if count:
            yield batch, count, deletes

    def _snapshots(self, query: Query) -> list[Any]:
        """The snapshots `query` matches."""
        return self._stream(query, self._call)

    def _names(self, query: Query) -> list[Any]:
        """References of the documents `query` matches, fetching no fields."""
        return [snap.reference for snap in self._snapshots(query.select(["__name__"]))]

    # Writes ------------------------------------------------------------------------------
    def save_flow_run(self, run: FlowRunRecord) -> None:
        """Create or replace a flow run's header (written at start and again at the end)."""
        data = _run_doc(run)
        with self._errors("save_flow_run"):
            self._run(run.id).set(data, **self._call)

    def save_task_runs(self, runs: Sequence[TaskRunRecord]) -> None:
        """Create or replace task runs by (flow run, position), in batches."""
        check_positions(runs)
        writes = [(self._run(r.flow_run_id).collection(TASK_RUNS).document(task_run_id(r.position)),
                   _task_doc(r)) for r in runs]  # converted first: a bad record writes nothing
        with self._errors("save_task_runs"):
            self._commit(writes)

    def save_events(self, events: Sequence[EventRecord]) -> None:
        """Append events, in batches; `written` and `seq` order events of the same instant."""
        with self._clock:  # strictly increasing here, even if the wall clock steps back
            written = self._last_written = max(time.time_ns(), self._last_written + 1)
        writes = [(self._run(e.flow_run_id).collection(EVENTS).document(),
                   _event_doc(e, written, seq)) for seq, e in enumerate(events)]
        with self._errors("save_events"):
            self._commit(writes)

    def delete_runs_before(self, cutoff: dt.datetime) -> int:
        """Delete runs started before `cutoff` with their task runs and events, in batches.

        Each run's header is deleted after its task runs and events, so an interrupted call
        leaves no orphans out of reach: running it again finds the header and finishes.
        """
        query = self._collection(RUNS).where("started_at", "<", utc(cutoff))
        with self._errors("delete_runs_before"):
            runs = self._names(query)
            refs: list[Any] = []
            for run in runs:
                refs += self._names(Query.of(run.collection(TASK_RUNS)))
                refs += self._names(Query.of(run.collection(EVENTS)))
                refs.append(run)
            self._commit((ref, None) for ref in refs)
        return len(runs)

    # Reads -------------------------------------------------------------------------------
    def list_flow_runs(
        self, *, flow: str | None = None, limit: int = 20, since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[FlowRunRecord]:
        """Newest first (by started_at, then id; never-started runs last), at most `limit`."""
        if limit <= 0:
            return []
        query = self._collection(RUNS)
        if flow is not None:  # with the order below: the composite index (flow, started_at)
            query = query.where("flow", "==", flow)
        if since is not None:
            query = query.where("started_at", ">=", utc(since))
        if until is not None:
            query = query.where("started_at", "<=", utc(until))
        query = query.order_by("started_at", direction="DESCENDING").limit(limit)
        with self._errors("list_flow_runs"):
            return [_flow_run(snap.to_dict()) for snap in self._snapshots(query)]

    def list_unfinished(self) -> list[FlowRunRecord]:
        """Runs recorded as "Running" (started, never ended), newest first: one equality
        query (no composite index), sorted here, as such runs are few."""
        query = self._collection(RUNS).where("state", "==", "Running")
        with self._errors("list_unfinished"):
            runs = [_flow_run(snap.to_dict()) for snap in self._snapshots(query)]
        return sorted(runs, key=lambda r: (r.started_at or _EPOCH, r.id), reverse=True)

    def get_run(self, run_id: str) -> RunDetail | None:
        """A run with its task runs (by position) and events (in time order).

        An exact id always works; otherwise `run_id` is a prefix of at least 6 characters,
        looked up by a range query on the document id.

        Raises:
            ValueError: the prefix is too short, or matches several runs (they are named).
        """
        with self._errors("get_run"):
            snap = self._run(run_id).get(**self._call)
            if not snap.exists:
                ids = self._ids_starting_with(run_id)
                if not ids:
                    return None
                if len(ids) > 1:
                    raise ValueError(ambiguous(run_id, ids))
                snap = self._run(ids[0]).get(**self._call)
                if not snap.exists:  # deleted in between
                    return None
            run = snap.reference
            tasks = [s.to_dict() for s in self._snapshots(Query.of(run.collection(TASK_RUNS)))]
            events = [s.to_dict() for s in self._snapshots(Query.of(run.collection(EVENTS)))]
        tasks.sort(key=lambda d: d["position"])
        events.sort(key=lambda d: (d["at"], d["written"], d["seq"]))
        return RunDetail(_flow_run(snap.to_dict()), [_task_run(d) for d in tasks],
                         [_event(d) for d in events])

    def _ids_starting_with(self, prefix: str) -> list[str]:
        """Up to MAX_CANDIDATES + 1 run ids with this prefix: ``__name__`` in a range."""
        check_prefix(prefix)
        runs = self._root.collection(RUNS)
        start = doc_id(prefix)  # the encoding works character by character: prefixes stay
        query = Query.of(runs).where("__name__", ">=", runs.document(start))
        query = query.where("__name__", "<", runs.document(prefix_end(start)))
        query = query.select(["id"]).limit(MAX_CANDIDATES + 1)
        ids = [snap.get("id") for snap in self._snapshots(query)]
        return [i for i in ids if i.startswith(prefix)]


def task_run_id(position: int) -> str:
    """The id of the task run at `position`: a hash of it first, so that consecutive
    positions are far apart in Firestore's key range (no hot spot at its end), then the
    position itself, so the id stays unique and readable."""
    spread = hashlib.blake2s(str(position).encode(), digest_size=4).hexdigest()
    return f"{spread}-{position}"


def _approx_bytes(data: Any) -> int:
    """A generous estimate of a value's size in a commit request (strings count 4/char)."""
    if isinstance(data, str):
        return 4 * len(data) + 8
    if isinstance(data, dict):
        return sum(len(k) + 8 + _approx_bytes(v) for k, v in data.items())
    if isinstance(data, list):
        return sum(_approx_bytes(v) for v in data) + 8
    return 16


def _utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value)


def _run_doc(r: FlowRunRecord) -> dict[str, Any]:
    return {"id": r.id, "flow": r.flow, "version": r.version,
            "parameters": json.dumps(r.parameters), "state": r.state, "message": r.message,
            "scheduled_at": _utc_or_none(r.scheduled_at),
            "started_at": _utc_or_none(r.started_at), "ended_at": _utc_or_none(r.ended_at),
            "graph": json.dumps(r.graph), "runner": r.runner, "summary": json.dumps(r.summary)}


def _task_doc(r: TaskRunRecord) -> dict[str, Any]:
    return {"id": r.id, "flow_run_id": r.flow_run_id, "task": r.task, "map_index": r.map_index,
            "parent_id": r.parent_id, "state": r.state, "message": r.message,
            "result": r.result, "run_count": r.run_count,
            "started_at": _utc_or_none(r.started_at), "ended_at": _utc_or_none(r.ended_at),
            "position": r.position,
            "logs": [{"at": utc(g.at), "level": g.level, "message": g.message} for g in r.logs]}


def _event_doc(e: EventRecord, written: int, seq: int) -> dict[str, Any]:
    return {"flow_run_id": e.flow_run_id, "task_run_id": e.task_run_id, "at": utc(e.at),
            "system": e.system, "method": e.method, "target": e.target, "outcome": e.outcome,
            "duration_ms": float(e.duration_ms), "written": written, "seq": seq}


def _flow_run(d: dict[str, Any]) -> FlowRunRecord:
    return FlowRunRecord(
        id=d["id"], flow=d["flow"], version=d["version"],
        parameters=json.loads(d["parameters"]), state=d["state"], message=d["message"],
        scheduled_at=_utc_or_none(d["scheduled_at"]), started_at=_utc_or_none(d["started_at"]),
        ended_at=_utc_or_none(d["ended_at"]), graph=json.loads(d["graph"]),
        runner=d.get("runner", ""),  # absent from runs recorded before it existed
        summary=json.loads(d.get("summary", "{}")),  # likewise
    )


def _task_run(d: dict[str, Any]) -> TaskRunRecord:
    return TaskRunRecord(
        id=d["id"], flow_run_id=d["flow_run_id"], task=d["task"], map_index=d["map_index"],
        parent_id=d["parent_id"], state=d["state"], message=d["message"], result=d["result"],
        run_count=d["run_count"], started_at=_utc_or_none(d["started_at"]),
        ended_at=_utc_or_none(d["ended_at"]), position=d["position"],
        logs=tuple(LogRecord(utc(g["at"]), g["level"], g["message"]) for g in d["logs"]),
    )


def _event(d: dict[str, Any]) -> EventRecord:
    return EventRecord(
        flow_run_id=d["flow_run_id"], task_run_id=d["task_run_id"], at=utc(d["at"]),
        system=d["system"], method=d["method"], target=d["target"], outcome=d["outcome"],
        duration_ms=d["duration_ms"],
    )
