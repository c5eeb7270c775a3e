"""What a run leaves behind, as plain data: flow runs, task runs, logs, events.

Kept apart from the engine's live objects (`marvin.engine.records`) because these are
what gets stored and shown: JSON-friendly, with a summary of each result instead of
the result itself, times as aware datetimes, and nothing secret in them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LogRecord:
    at: dt.datetime
    level: str
    message: str


@dataclass(frozen=True)
class EventRecord:
    """One call to the outside world (Slack Web API, the store) made during a run."""

    flow_run_id: str
    task_run_id: str | None  # None: made by the flow outside any task (e.g. an alert)
    at: dt.datetime
    system: str  # "slack" or "store"
    method: str  # e.g. "chat.postMessage", "claim_delivery"
    target: str  # e.g. a channel, a user id, "team/date"; never a token
    outcome: str  # "ok", "error:<code>", "http:<status>", "timeout", "exception:<Type>"
    duration_ms: float


@dataclass(slots=True)  # not frozen: made once per task run, and frozen init is slow
class TaskRunRecord:
    """One task run; mapped children have `map_index` and their parent's id."""

    id: str  # "<flow run id>/<slug>" or "<flow run id>/<slug>[i]"
    flow_run_id: str
    task: str  # the task's slug in its flow
    map_index: int | None
    parent_id: str | None
    state: str  # the State class name, e.g. "Skipped"
    message: str
    result: str  # a short, redacted summary of the result
    run_count: int
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    position: int = 0  # order in the run: parents in run order, each before its children
    logs: tuple[LogRecord, ...] = ()


@dataclass(frozen=True)
class FlowRunRecord:
    id: str
    flow: str
    version: str
    parameters: dict[str, Any]
    state: str
    message: str
    scheduled_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    graph: dict[str, Any] = field(default_factory=dict)
    """The flow's shape when it ran: {"nodes": [{"slug", "mapped"}],
    "edges": [{"from", "to", "key", "mapped"}]} (the code may have changed since)."""
    runner: str = ""
    """The process that ran it (``host:pid:start``, `marvin.store.liveness`), so a run left
    "Running" by a process that died can be told from one still going."""
    summary: dict[str, Any] = field(default_factory=dict)
    """What its task runs came to, written when the run ends, so a report reads one record
    per run rather than every task run: ``{"tasks": {slug: {"state", "result",
    "children": {state: count}}}}`` (see `summarize`); {} for a run not ended yet, or
    recorded before summaries were kept."""


@dataclass(frozen=True)
class RunDetail:
    """A flow run with everything recorded about it."""

    run: FlowRunRecord
    task_runs: list[TaskRunRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)


def summarize(task_runs: Iterable[TaskRunRecord]) -> dict[str, Any]:
    """A run's summary (`FlowRunRecord.summary`) from its task runs: per task, the state
    and result of its (parent) task run, and how many mapped children ended in each
    state. The recorder builds the same from the engine's task runs as a run ends; this
    builds it for runs recorded before summaries were kept."""
    tasks: dict[str, dict[str, Any]] = {}
    for run in task_runs:
        entry = tasks.setdefault(run.task, {})
        if run.map_index is None:
            entry.update(state=run.state, result=run.result)
        else:
            children = entry.setdefault("children", {})
            children[run.state] = children.get(run.state, 0) + 1
    return {"tasks": tasks}
