"""Run-history records for the `RunHistory` tests: a flow run, its task runs and events,
at fixed instants (tests never read the clock), and texts that must round-trip exactly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from marvin.store.run_history import RunHistory
from marvin.store.run_records import (
    EventRecord,
    FlowRunRecord,
    RunDetail,
    TaskRunRecord,
)

T0 = dt.datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=dt.UTC)
PARIS = dt.timezone(dt.timedelta(hours=1))
RUN = "3f2a9c0d5e6f47a8b9c0d1e2f3a4b5c6"
GRAPH = {
    "nodes": [{"slug": "get_team", "mapped": False}, {"slug": "send_reminder", "mapped": True}],
    "edges": [{"from": "get_team", "to": "send_reminder", "key": "team", "mapped": False}],
}
TEXTS = {
    "emoji": "🚀 shipped it 👩🏽‍💻 ✅",
    "rtl": "مرحبا بالعالم — שלום עולם",
    "long": "x" * 20_000,
    "quoting": 'quotes \' " \\ and {"json": [1]} and %s %(x)s \x00',
    "newlines": "line one\nline two\r\n\ttabbed  ",
    "empty": "",
}


def at(minutes: float) -> dt.datetime:
    """A fixed instant `minutes` after T0: tests never read the clock."""
    return T0 + dt.timedelta(minutes=minutes)


def flow_run(run_id: str = RUN, *, flow: str = "reminder", started: float | None = 0,
             state: str = "Success", **changes: Any) -> FlowRunRecord:
    started_at = None if started is None else at(started)
    record = FlowRunRecord(
        id=run_id, flow=flow, version="1.2.0", parameters={"team": "ops", "dry_run": False},
        state=state, message="", scheduled_at=started_at, started_at=started_at,
        ended_at=None if started_at is None else started_at + dt.timedelta(seconds=3),
        graph=GRAPH,
    )
    return dataclasses.replace(record, **changes)


def task_run(position: int, *, run_id: str = RUN, slug: str = "get_team",
             index: int | None = None, **changes: Any) -> TaskRunRecord:
    record = TaskRunRecord(
        id=f"{run_id}/{slug}" + ("" if index is None else f"[{index}]"), flow_run_id=run_id,
        task=slug, map_index=index, parent_id=None if index is None else f"{run_id}/{slug}",
        state="Success", message="", result="'ok'", run_count=1,
        started_at=at(position / 60), ended_at=at(position / 60 + 0.001), position=position,
    )
    return dataclasses.replace(record, **changes)


def event(minute: float, *, run_id: str = RUN, method: str = "chat.postMessage",
          task_run_id: str | None = None) -> EventRecord:
    return EventRecord(flow_run_id=run_id, task_run_id=task_run_id, at=at(minute),
                       system="slack", method=method, target="U1", outcome="ok",
                       duration_ms=12.5)


def detail(history: RunHistory, run_id: str = RUN) -> RunDetail:
    found = history.get_run(run_id)
    assert found is not None
    return found


def mapped_run() -> list[TaskRunRecord]:
    """A parent, its three mapped children, then a downstream task: in position order."""
    children = [task_run(2 + i, slug="send_reminder", index=i,
                         state="Skipped" if i == 1 else "Success") for i in range(3)]
    return [task_run(0), task_run(1, slug="send_reminder", state="Mapped", result=""),
            *children, task_run(5, slug="report", run_count=2)]
