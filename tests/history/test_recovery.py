"""Runs left "Running" by a process that died are closed as crashed (`marvin.history.recovery`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from marvin.history.recovery import close_dead_runs
from marvin.store.liveness import this_process
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory

T0 = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(minutes=10)


def running(run_id: str, runner: str) -> FlowRunRecord:
    return FlowRunRecord(id=run_id, flow="reminder", version="1", parameters={},
                         state="Running", message="", scheduled_at=None, started_at=T0,
                         ended_at=None, runner=runner)


@pytest.fixture
def history(sqlite_history: SqliteHistory) -> SqliteHistory:
    return sqlite_history


def dead_predecessor() -> str:
    """Our host and pid, another start time: a process that had our pid before."""
    host, pid, start = this_process().split(":")
    return f"{host}:{pid}:{int(start) - 100 if start.isdigit() else 1}"


def test_a_run_whose_process_died_is_closed_as_crashed(history: SqliteHistory) -> None:
    dead = dead_predecessor()
    history.save_flow_run(running("dead" * 8, dead))

    closed = close_dead_runs(history, NOW)

    [run] = history.list_flow_runs()
    assert closed == [run]
    assert (run.state, run.ended_at, run.runner) == ("Failed", NOW, dead)
    assert run.message == f"crashed: the process running it ({dead}) died before the run ended"
    assert history.list_unfinished() == []
    assert close_dead_runs(history, NOW) == []  # once


@pytest.mark.parametrize(
    "runner",
    [this_process(), "another-host:1:1", "", "garbage"],
    ids=["alive-here", "other-host", "unknown", "unreadable"],
)
def test_runs_that_may_still_be_going_are_left_alone(
    history: SqliteHistory, runner: str
) -> None:
    history.save_flow_run(running("live" * 8, runner))

    assert close_dead_runs(history, NOW) == []
    assert [r.state for r in history.list_unfinished()] == ["Running"]


def test_a_store_failure_is_logged_not_raised(
    history: SqliteHistory, caplog: pytest.LogCaptureFixture
) -> None:
    history.save_flow_run(running("dead" * 8, dead_predecessor()))
    history.close()

    assert close_dead_runs(history, NOW) == []
    assert "could not close runs whose process died" in caplog.text


def test_the_recorder_names_this_process_as_the_runner(history: SqliteHistory) -> None:
    from marvin.engine import Flow, task
    from marvin.history.recorder import HistoryRecorder

    @task
    def noop() -> int:
        return 1

    with Flow("tiny") as flow:
        noop()
    recorder = HistoryRecorder(history, flow)
    flow.run(recorder=recorder)

    [run] = history.list_flow_runs()
    assert dataclasses.replace(run).runner == this_process()
