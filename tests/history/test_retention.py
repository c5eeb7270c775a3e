"""`marvin.history.retention.prune_runs`: the cutoff it asks for, and what the SQLite history keeps.

Times are fixed (never today's date): "now" is Monday 2026-06-08 12:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from marvin.history.retention import prune_runs, retention_cutoff
from marvin.store.run_records import (
    EventRecord,
    FlowRunRecord,
    LogRecord,
    RunDetail,
    TaskRunRecord,
)
from marvin.store.sqlite.history import SqliteHistory

NOW = dt.datetime(2026, 6, 8, 12, 0, tzinfo=dt.UTC)


class CutoffHistory:
    """Records the cutoffs it is asked to delete before; deletes `count` each time."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.cutoffs: list[dt.datetime] = []

    def delete_runs_before(self, cutoff: dt.datetime) -> int:
        self.cutoffs.append(cutoff)
        return self.count


def test_prune_runs_deletes_before_now_minus_the_retention_days() -> None:
    history = CutoffHistory(count=7)

    deleted = prune_runs(history, NOW, 30)  # type: ignore[arg-type]

    assert deleted == 7
    assert history.cutoffs == [dt.datetime(2026, 5, 9, 12, 0, tzinfo=dt.UTC)]


def test_the_cutoff_is_the_same_instant_whatever_zone_now_is_in() -> None:
    london = NOW.astimezone(dt.timezone(dt.timedelta(hours=1)))

    assert retention_cutoff(london, 1) == retention_cutoff(NOW, 1) == NOW - dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("now", "days", "message"),
    [
        (NOW.replace(tzinfo=None), 30, "naive"),
        (NOW, 0, "at least 1 day"),
        (NOW, -5, "at least 1 day"),
    ],
)
def test_bad_arguments_delete_nothing(now: dt.datetime, days: int, message: str) -> None:
    history = CutoffHistory(count=1)

    with pytest.raises(ValueError, match=message):
        prune_runs(history, now, days)  # type: ignore[arg-type]

    assert history.cutoffs == []


# On the real SQLite history ------------------------------------------------------------------


def save_run(history: SqliteHistory, run_id: str, started: dt.datetime | None) -> None:
    """A run with two task runs (one mapped child with a log) and an event."""
    ended = started + dt.timedelta(seconds=3) if started else None
    history.save_flow_run(FlowRunRecord(
        id=run_id, flow="reminder", version="1", parameters={"team": "default"},
        state="Success" if started else "Pending", message="", scheduled_at=None,
        started_at=started, ended_at=ended,
    ))
    task_runs = [
        TaskRunRecord(id=f"{run_id}/greet", flow_run_id=run_id, task="greet", map_index=None,
                      parent_id=None, state="Mapped", message="", result="", run_count=1,
                      started_at=started, ended_at=ended, position=0),
        TaskRunRecord(id=f"{run_id}/greet[0]", flow_run_id=run_id, task="greet", map_index=0,
                      parent_id=f"{run_id}/greet", state="Success", message="", result="'hi'",
                      run_count=1, started_at=started, ended_at=ended, position=1,
                      logs=(LogRecord(started or NOW, "INFO", "said hi"),)),
    ]
    history.save_task_runs(task_runs)
    history.save_events([EventRecord(
        flow_run_id=run_id, task_run_id=f"{run_id}/greet[0]", at=started or NOW, system="slack",
        method="chat.postMessage", target="D0001", outcome="ok", duration_ms=12.5,
    )])


@pytest.fixture
def history(sqlite_history: SqliteHistory) -> SqliteHistory:
    return sqlite_history


def ids(runs: Sequence[FlowRunRecord]) -> list[str]:
    return sorted(run.id for run in runs)


def test_old_runs_go_with_their_task_runs_and_events_and_newer_ones_stay(
    history: SqliteHistory,
) -> None:
    cutoff = retention_cutoff(NOW, 30)
    save_run(history, "old-run-000001", cutoff - dt.timedelta(days=10))
    save_run(history, "old-run-000002", cutoff - dt.timedelta(microseconds=1))
    save_run(history, "new-run-000001", cutoff)  # exactly at the cutoff: kept
    save_run(history, "new-run-000002", NOW - dt.timedelta(hours=1))
    save_run(history, "never-started1", None)  # its age is unknown: kept

    assert prune_runs(history, NOW, 30) == 2

    kept = history.list_flow_runs(limit=100)
    assert ids(kept) == ["never-started1", "new-run-000001", "new-run-000002"]
    assert history.get_run("old-run-000001") is None
    assert history.get_run("old-run-000002") is None
    detail = history.get_run("new-run-000001")
    assert isinstance(detail, RunDetail)
    assert [t.id for t in detail.task_runs] == ["new-run-000001/greet", "new-run-000001/greet[0]"]
    assert detail.task_runs[1].logs[0].message == "said hi"
    assert [e.method for e in detail.events] == ["chat.postMessage"]


def test_pruning_again_deletes_nothing_more(history: SqliteHistory) -> None:
    save_run(history, "old-run-000001", NOW - dt.timedelta(days=31))
    save_run(history, "new-run-000001", NOW - dt.timedelta(days=29))

    assert prune_runs(history, NOW, 30) == 1
    assert prune_runs(history, NOW, 30) == 0
    assert prune_runs(history, NOW, 28) == 1  # a shorter retention reaches further
    assert history.list_flow_runs(limit=100) == []
