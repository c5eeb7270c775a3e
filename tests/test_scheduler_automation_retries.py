"""The scheduler's automation pass: at start (a restart) and then every
`AUTOMATION_RETRY_SECONDS`, automations whose runs all failed are run again through the
scheduler's `run`; without a run history there is no pass."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace
from pathlib import Path

from marvin.scheduler import FlowScheduler
from marvin.scheduler.flow_scheduler import AUTOMATION_RETRY_SECONDS
from marvin.store.liveness import this_process
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from tests.test_scheduler import MONDAY, FakeRun, make_settings

JOB = "marvin:retry-automations"
EVENT = {"team": "default", "user": "U1", "event": "standup.blocker_reported",
         "event_id": "default/2026-06-08/U1", "event_date": "2026-06-08"}


def failed_escalation(history: SqliteHistory) -> None:
    started = MONDAY - dt.timedelta(minutes=10)
    history.save_flow_run(FlowRunRecord(
        id="run-1", flow="escalate_blocker", version="1", parameters=dict(EVENT),
        state="Failed", message="Slack answered 503", scheduled_at=None,
        started_at=started, ended_at=started))


def test_a_started_scheduler_retries_a_failed_automation_at_once(
    sqlite_store: SqliteStore, tmp_path: Path
) -> None:
    history = SqliteHistory(str(tmp_path / "h.db"))
    failed_escalation(history)
    run = FakeRun()
    scheduler = FlowScheduler(sqlite_store, make_settings(), run=run, now=lambda: MONDAY,
                              history=history)
    scheduler.start(catch_up=False, fire=False)  # upkeep only: the pass is upkeep too
    try:
        job = scheduler._scheduler.get_job(JOB)
        assert job.trigger.interval == dt.timedelta(seconds=AUTOMATION_RETRY_SECONDS)
        deadline = time.monotonic() + 10
        while not run.calls and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        scheduler.shutdown()
        history.close()

    assert run.calls == [("escalate_blocker", EVENT, MONDAY)]
    assert scheduler.retry_automations() == []  # stopped: no pass


def test_an_automation_killed_mid_run_is_retried_by_the_first_pass_after_the_restart(
    sqlite_store: SqliteStore, tmp_path: Path
) -> None:
    history = SqliteHistory(str(tmp_path / "h.db"))
    failed_escalation(history)
    host, pid, start = this_process().split(":")
    dead = f"{host}:{pid}:{int(start) - 100 if start.isdigit() else 1}"  # this pid, earlier
    [record] = history.list_flow_runs()
    history.save_flow_run(replace(record, state="Running", ended_at=None, runner=dead))
    run = FakeRun()
    scheduler = FlowScheduler(sqlite_store, make_settings(), run=run, now=lambda: MONDAY,
                              history=history)
    try:
        scheduler.retry_automations()
        [closed] = history.list_flow_runs()
    finally:
        history.close()

    assert closed.state == "Failed" and closed.message.startswith("crashed:")
    assert run.calls == [("escalate_blocker", EVENT, MONDAY)]


def test_without_a_history_there_is_no_automation_pass(sqlite_store: SqliteStore) -> None:
    scheduler = FlowScheduler(sqlite_store, make_settings(), run=FakeRun(), now=lambda: MONDAY)
    scheduler.start(catch_up=False)
    try:
        assert scheduler._scheduler.get_job(JOB) is None
    finally:
        scheduler.shutdown()
    assert scheduler.retry_automations() == []
