"""The engine's `Recorder`, writing runs into a `RunHistory`.

Example::

    recorder = HistoryRecorder(history, flow, redactor)
    with recording(recorder):               # events of this run go to it
        run = flow.run(recorder=recorder)   # header at start, then batches as it goes

Task runs and events are written as the run goes, in batches: every `FLUSH_EVERY` task
runs, and every `FLUSH_SECONDS` from a background thread, so a run killed mid-way (kill
-9, a crashed host) still shows what it did. Batches, not one write per task run, keep
recording within 2x of the engine's own per-task overhead (bench/recording_overhead.py).
Each task run is written once, in the batch after it finishes, at its final position:
positions are sparse (`position_of`), so they need not wait for the number of mapped
children of the tasks before it. A failure to write is logged by the engine and never
fails the run; what was not written is tried again with the next batch.
"""

from __future__ import annotations

import datetime as dt
import gc
import operator
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from marvin.engine import Finished, Flow, FlowRun, Running, Task, TaskRun
from marvin.engine.visualize import flow_graph
from marvin.history.record_caps import capped_logs, capped_text
from marvin.history.redact import Redactor
from marvin.store.liveness import this_process
from marvin.store.run_history import RunHistory
from marvin.store.run_records import EventRecord, FlowRunRecord, LogRecord, TaskRunRecord

FLUSH_EVERY = 512
"""Task runs (or events) per batch: a few ms of writing, so a batch's own cost (a
transaction) is small per task run, and a big run still shows progress every batch."""
FLUSH_SECONDS = 2.0
"""At most this long between a task run (or an event) and its write, however slow the run."""
POSITIONS_PER_TASK = 1 << 32
"""Task i of the flow (in run order) has position ``i * POSITIONS_PER_TASK``; its mapped
child j has that plus ``1 + j``."""


def position_of(index: int, map_index: int | None) -> int:
    """The stored position of a task run: in run order, each parent before its children."""
    return index * POSITIONS_PER_TASK + (0 if map_index is None else 1 + map_index)


def _time(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


class HistoryRecorder:
    """Records one flow run (create one per run); thread-safe (task runs finish in worker
    threads, events come from anywhere in the run)."""

    def __init__(
        self,
        history: RunHistory,
        flow: Flow,
        redact: Redactor | None = None,
        *,
        flush_every: int = FLUSH_EVERY,
        flush_seconds: float = FLUSH_SECONDS,
        recorded_with: dict[str, str] | None = None,
    ) -> None:
        """`flush_seconds` <= 0: no background flushing (batches by count, and at the end).
        `recorded_with`: recorded among the run's parameters though the flow does not take
        them (the workspace a run was for)."""
        self.history = history
        self.recorded_with = dict(recorded_with or {})
        self.flow = flow
        self.redact = redact or Redactor()
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._events: list[EventRecord] = []
        # Appended to without a lock (list.append is atomic; `flush` takes a prefix), as
        # this is the per-task-run hot path; converted when their batch is written.
        self._finished: list[TaskRun] = []
        self._written = 0  # task runs written so far
        self._lock = threading.Lock()  # the events
        self._write_lock = threading.Lock()  # batches are written one after the other
        self._index: dict[Task, int] = {}
        self._results: dict[str, str] = {}  # each task's (parent's) recorded result
        self._stop = threading.Event()
        self._flusher: threading.Thread | None = None
        self.run_id: str | None = None

    # The engine's Recorder protocol ---------------------------------------------------
    def flow_run_started(self, run: FlowRun) -> None:
        self.run_id = run.id
        self._index = {task: i for i, task in enumerate(self.flow.sorted_tasks())}
        self.history.save_flow_run(self._header(run))
        if self.flush_seconds > 0:
            self._flusher = threading.Thread(
                target=self._flush_periodically, name=f"record-{run.id[:8]}", daemon=True
            )
            self._flusher.start()

    def task_run_finished(self, run: TaskRun) -> None:
        """Write it with the next batch: its state is final, so it is converted then (with
        the cyclic GC paused, see `_no_cyclic_gc`), not here."""
        finished = self._finished
        finished.append(run)
        if len(finished) >= self.flush_every:
            self.flush()

    def flow_run_finished(self, run: FlowRun) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join()
        reported = self._written + len(self._finished)
        if reported < sum(1 + len(parent.children or ()) for parent in run.task_runs):
            self._write_all(run)
        try:
            self.flush()
        finally:  # a run whose last batch was refused must not stay "Running"
            self.history.save_flow_run(self._header(run, summary=self._safe_summary(run)))

    # Batches ------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write the task runs and events buffered so far; on failure they stay buffered
        (for the next batch) and the error is raised."""
        with self._write_lock, _no_cyclic_gc():
            count = len(self._finished)
            finished = self._finished[:count]
            del self._finished[:count]  # what was appended meanwhile stays
            with self._lock:
                events, self._events = self._events, []
            failure: BaseException | None = None
            try:  # a refused batch of task runs must not keep the events from being written
                if finished:
                    self.history.save_task_runs(self._records(finished))
                    self._written += count
                    finished = []
            except BaseException as exc:
                failure = exc
            try:
                if events:
                    self.history.save_events(events)
                    events = []
            except BaseException as exc:
                failure = failure or exc
            if failure is not None:
                self._finished[:0] = finished
                with self._lock:
                    self._events[:0] = events
                raise failure

    def _flush_periodically(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self._flush_quietly()

    def _flush_quietly(self) -> None:
        """`flush` where nothing may raise (an event's caller, the background thread)."""
        try:
            self.flush()
        except Exception:  # the store is down: the next batch tries again
            from marvin.engine.logs import engine_logger

            engine_logger().warning("recording run %s: batch not written (kept for the "
                                    "next one)", self.run_id, exc_info=True)

    def _write_all(self, run: FlowRun) -> None:
        """After an engine error some task runs were never reported finished: write them
        all again (each at its position, so what was written is replaced, not doubled)."""
        every = [task_run for parent in run.task_runs
                 for task_run in (parent, *(parent.children or ()))]
        self._finished = every  # the buffered ones are among them (no run appends now)

    def _records(self, finished: list[TaskRun]) -> list[TaskRunRecord]:
        """Records for a batch (the hot path: 20,000 task runs in a big run). Mapped
        children come in runs of one task, so its position and id are worked out once."""
        index, records, convert = self._index, [], self._task_run
        task: Task | None = None
        base, first = "", 0
        for task_run in finished:
            if task_run.task is not task:
                task = task_run.task
                base, first = f"{task_run.flow_run.id}/{task.slug}", position_of(index[task], None)
            child = task_run.map_index
            if child is None:
                records.append(convert(task_run, base, None, first))
                self._results[task.slug] = records[-1].result  # for the run's summary
            else:
                records.append(convert(task_run, f"{base}[{child}]", base, first + 1 + child))
        return records

    # Events ---------------------------------------------------------------------------
    def add_event(
        self,
        system: str,
        method: str,
        target: str,
        outcome: str,
        duration_s: float,
        task_run_id: str | None,
        at: dt.datetime | None = None,
    ) -> None:
        """One external call; `at` when it was made elsewhere (a Dask worker), else now."""
        if self.run_id is None:
            return
        event = EventRecord(
            flow_run_id=self.run_id,
            task_run_id=task_run_id,
            at=at or dt.datetime.now(dt.UTC),
            system=system,
            method=method,
            target=self.redact(target),
            outcome=self.redact(outcome),
            duration_ms=round(duration_s * 1000, 3),
        )
        with self._lock:
            self._events.append(event)
            due = len(self._events) >= self.flush_every
        if due:
            self._flush_quietly()

    # Conversions ------------------------------------------------------------------------
    def _safe_summary(self, run: FlowRun) -> dict[str, Any]:
        """`_summary`, or none ({}: readers then read the task runs) if a result cannot
        even be described: the final header must be saved whatever a task returned."""
        try:
            return self._summary(run)
        except Exception:
            from marvin.engine.logs import engine_logger

            engine_logger().warning("recording run %s: no summary", self.run_id, exc_info=True)
            return {}

    def _summary(self, run: FlowRun) -> dict[str, Any]:
        """What `summarize` makes of the run's task runs, from the engine's own objects
        (a big run's 20,000 records are not built a second time)."""
        redact = self.redact
        tasks: dict[str, dict[str, Any]] = {}
        for parent in run.task_runs:
            mapped = parent.children is not None
            result = self._results.get(parent.task.slug)  # described once, when recorded
            if result is None:
                result = "" if mapped else redact.summary(parent.state.result)
            entry: dict[str, Any] = {"state": type(parent.state).__name__, "result": result}
            if parent.children:  # counted by class, named once per class: 20,000 children
                counts = Counter(map(type, map(_STATE, parent.children)))
                entry["children"] = {kind.__name__: n for kind, n in counts.items()}
            tasks[parent.task.slug] = entry
        return {"tasks": tasks}

    def _header(self, run: FlowRun, summary: dict[str, Any] | None = None) -> FlowRunRecord:
        parameters = {k: _plain(v, self.redact) for k, v in run.parameters.items()}
        parameters.update(self.recorded_with)
        return FlowRunRecord(
            id=run.id,
            flow=run.flow_name,
            version=run.flow_version,
            parameters=parameters,
            state=run.state.name,
            message=capped_text(self.redact(run.state.message or "")),
            scheduled_at=_time(run.scheduled_start_time),
            started_at=_time(run.start_time),
            ended_at=_time(run.end_time),
            graph=flow_graph(self.flow),
            runner=this_process(),
            summary=summary or {},
        )

    def _task_run(
        self, tr: TaskRun, run_id: str, parent_id: str | None, position: int
    ) -> TaskRunRecord:
        """One record per task run: the hot path of recording (20,000 per big run)."""
        state = tr.state
        redact = self.redact
        started = None
        for entered in tr.history:  # the first Running state is when it started
            if type(entered) is Running:
                started = _FROM_TS(entered.timestamp, _UTC)
                break
        return TaskRunRecord(
            run_id,
            tr.flow_run.id,
            tr.task.slug,
            tr.map_index,
            parent_id,
            type(state).__name__,
            capped_text(redact(state.message or "")),
            redact.summary(state.result) if tr.children is None else "",
            tr.run_count,
            started,
            _FROM_TS(state.timestamp, _UTC) if isinstance(state, Finished) else None,
            position,
            capped_logs([
                LogRecord(_FROM_TS(e.timestamp, _UTC), e.level, redact(e.message))
                for e in tr.logs
            ])
            if tr.logs
            else (),
        )


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic GC while a batch is encoded: hundreds of small, acyclic objects
    would otherwise trigger collections that rescan the whole heap (~15% of recording)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_FROM_TS = dt.datetime.fromtimestamp
_STATE = operator.attrgetter("state")
_UTC = dt.UTC


def _plain(value: Any, redact: Redactor) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    return redact.summary(value)


class EventRecorder(Protocol):
    """What takes the events of a run: its `HistoryRecorder`, or on a Dask worker what
    collects them to send back with the task run (`flows/worker_services.py`)."""

    def add_event(
        self, system: str, method: str, target: str, outcome: str, duration_s: float,
        task_run_id: str | None, at: dt.datetime | None = None,
    ) -> None: ...


_current: ContextVar[EventRecorder | None] = ContextVar("marvin_recorder", default=None)

R = TypeVar("R", bound=EventRecorder)


@contextmanager
def recording(recorder: R) -> Iterator[R]:
    """Send the events emitted inside the block (and its task runs) to `recorder`."""
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


def current_recorder() -> EventRecorder | None:
    """Where the events of the run in progress go, if it is recorded."""
    return _current.get()


def emit_event(system: str, method: str, target: str, outcome: str, duration_s: float) -> None:
    """Record an external call made by the current run, if one is being recorded."""
    recorder = _current.get()
    if recorder is None:
        return
    from marvin.engine import get_context

    try:
        task_run_id: str | None = get_context().task_run_id
    except RuntimeError:  # outside any task, e.g. the flow's on_failure alert
        task_run_id = None
    recorder.add_event(system, method, target, outcome, duration_s, task_run_id)
