"""The engine's `Recorder`, writing runs into a `RunHistory`.

Example::

    recorder = HistoryRecorder(history, flow, redactor)
    with recording(recorder):               # events of this run go to it
        run = flow.run(recorder=recorder)   # header at start, everything at the end

Task runs are written in one batch when the flow run ends (the run's record already
holds them all), so recording costs one write per run rather than one per task run:
that is what keeps it within 2x of the engine's own per-task overhead. A failure to
write is logged by the engine and never fails the run.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from marvin.engine import Finished, Flow, FlowRun, Running, TaskRun
from marvin.history.base import RunHistory
from marvin.history.records import EventRecord, FlowRunRecord, LogRecord, TaskRunRecord
from marvin.history.redact import Redactor
from marvin.processes import this_process


def _time(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


def flow_graph(flow: Flow) -> dict[str, Any]:
    """The flow's shape as JSON-friendly data (what the dashboard draws)."""
    return {
        "nodes": [{"slug": t.slug, "mapped": flow.is_mapped(t)} for t in flow.sorted_tasks()],
        "edges": [
            {"from": e.upstream.slug, "to": e.downstream.slug, "key": e.key, "mapped": e.mapped}
            for e in flow.edges
        ],
    }


class HistoryRecorder:
    """Records one flow run (create one per run); thread-safe for events."""

    def __init__(self, history: RunHistory, flow: Flow, redact: Redactor | None = None) -> None:
        self.history = history
        self.flow = flow
        self.redact = redact or Redactor()
        self._events: list[EventRecord] = []
        self._lock = threading.Lock()
        self.run_id: str | None = None

    # The engine's Recorder protocol ---------------------------------------------------
    def flow_run_started(self, run: FlowRun) -> None:
        self.run_id = run.id
        self.history.save_flow_run(self._header(run))

    def task_run_finished(self, run: TaskRun) -> None:
        """Nothing to do per task run: they are all written when the flow run ends."""

    def flow_run_finished(self, run: FlowRun) -> None:
        records: list[TaskRunRecord] = []
        # Tens of thousands of small, acyclic objects: the cyclic GC would rescan them
        # over and over while they are built (~15% of recording), so pause it meanwhile.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for parent in run.task_runs:  # each parent, then its children: the run order
                base = f"{run.id}/{parent.task.slug}"
                records.append(self._task_run(parent, base, None, len(records)))
                for child in parent.children or ():
                    child_id = f"{base}[{child.map_index}]"
                    records.append(self._task_run(child, child_id, base, len(records)))
            self.history.save_task_runs(records)  # builds a row tuple per record too
        finally:
            if collecting:
                gc.enable()
        with self._lock:
            events, self._events = self._events, []
        if events:
            self.history.save_events(events)
        self.history.save_flow_run(self._header(run))

    # Events ---------------------------------------------------------------------------
    def add_event(
        self,
        system: str,
        method: str,
        target: str,
        outcome: str,
        duration_s: float,
        task_run_id: str | None,
    ) -> None:
        if self.run_id is None:
            return
        event = EventRecord(
            flow_run_id=self.run_id,
            task_run_id=task_run_id,
            at=dt.datetime.now(dt.UTC),
            system=system,
            method=method,
            target=self.redact(target),
            outcome=self.redact(outcome),
            duration_ms=round(duration_s * 1000, 3),
        )
        with self._lock:
            self._events.append(event)

    # Conversions ------------------------------------------------------------------------
    def _header(self, run: FlowRun) -> FlowRunRecord:
        parameters = {k: _plain(v, self.redact) for k, v in run.parameters.items()}
        return FlowRunRecord(
            id=run.id,
            flow=run.flow_name,
            version=run.flow_version,
            parameters=parameters,
            state=run.state.name,
            message=self.redact(run.state.message or ""),
            scheduled_at=_time(run.scheduled_start_time),
            started_at=_time(run.start_time),
            ended_at=_time(run.end_time),
            graph=flow_graph(self.flow),
            runner=this_process(),
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
            redact(state.message or ""),
            redact.summary(state.result) if tr.children is None else "",
            tr.run_count,
            started,
            _FROM_TS(state.timestamp, _UTC) if isinstance(state, Finished) else None,
            position,
            tuple(
                LogRecord(_FROM_TS(e.timestamp, _UTC), e.level, redact(e.message))
                for e in tr.logs
            )
            if tr.logs
            else (),
        )


_FROM_TS = dt.datetime.fromtimestamp
_UTC = dt.UTC


def _plain(value: Any, redact: Redactor) -> Any:
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    return redact.summary(value)


_current: ContextVar[HistoryRecorder | None] = ContextVar("marvin_recorder", default=None)


@contextmanager
def recording(recorder: HistoryRecorder) -> Iterator[HistoryRecorder]:
    """Send the events emitted inside the block (and its task runs) to `recorder`."""
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)


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
