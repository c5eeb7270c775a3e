"""The scheduler: which flows run when for which team, catch-up after downtime, real jobs.

Times are fixed on Monday 2026-06-08 (London is on BST, UTC+1); nothing here sleeps and
no flow runs: `run` is a fake that notes what it was asked to run.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest

from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.scheduler import (
    ClockTrigger,
    FlowScheduler,
    background_scheduler,
    flow_schedules,
    team_clocks,
    teams_to_schedule,
    upcoming,
)
from marvin.settings import Settings
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore

UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 8, tzinfo=UTC)
REMINDER_SLOT = MONDAY.replace(hour=8, minute=30)
ENG = Team(
    name="eng",
    timezone="Europe/London",
    standup_time="10:15",
    reminder_time="09:45",
    days=(0, 1, 2, 3),
    channel="#eng",
)


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "timezone": "UTC",
        "standup_time": "09:00",
        "reminder_time": "08:30",
        "standup_days": "mon-fri",
        "standup_channel": "#general",
        "misfire_grace_seconds": 3600,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class FakeRun:
    """Stands in for running a flow: records (flow, parameters, scheduled time)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any], dt.datetime]] = []
        self.error = error

    def __call__(self, flow: str, parameters: dict[str, Any], at: dt.datetime) -> None:
        self.calls.append((flow, parameters, at))
        if self.error is not None:
            raise self.error


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    return sqlite_store


def at(hour: int, minute: int, second: int = 0) -> dt.datetime:
    return MONDAY.replace(hour=hour, minute=minute, second=second)


def test_teams_to_schedule_are_the_stored_teams_plus_the_default_from_settings(
    store: SqliteStore,
) -> None:
    store.save_team(ENG)

    teams = teams_to_schedule(store, make_settings(standup_channel="#standup"))

    assert [t.name for t in teams] == [DEFAULT_TEAM, "eng"]
    assert teams[0] == Team(name=DEFAULT_TEAM, channel="#standup")
    assert teams[1] == ENG


def test_a_stored_default_team_replaces_the_one_from_settings(store: SqliteStore) -> None:
    custom = Team(name=DEFAULT_TEAM, timezone="Asia/Tokyo", standup_time="10:00")
    store.save_team(custom)

    assert teams_to_schedule(store, make_settings()) == [custom]


def test_team_clocks_fire_at_the_teams_local_times_on_its_days() -> None:
    clocks = team_clocks(ENG)

    assert set(clocks) == {"reminder", "standup"}
    assert clocks["reminder"].cron == "45 9 * * mon,tue,wed,thu"
    assert clocks["standup"].cron == "15 10 * * mon,tue,wed,thu"
    assert {c.timezone for c in clocks.values()} == {"Europe/London"}
    assert all(dict(c.parameter_defaults) == {"team": "eng"} for c in clocks.values())
    assert clocks["reminder"].next_after(MONDAY) == at(8, 45)  # 09:45 BST


def test_flow_schedules_have_one_clock_per_team() -> None:
    schedules = flow_schedules([Team(), ENG])

    assert set(schedules) == {"reminder", "standup"}
    for flow, schedule in schedules.items():
        assert [dict(c.parameter_defaults)["team"] for c in schedule.clocks] == [
            DEFAULT_TEAM,
            "eng",
        ], flow


def test_upcoming_merges_all_flows_of_all_teams_in_time_order(store: SqliteStore) -> None:
    store.save_team(ENG)
    teams = teams_to_schedule(store, make_settings())

    runs = upcoming(teams, 5, after=MONDAY)

    assert [(r.flow, r.run.parameter_defaults["team"], r.run.start_time) for r in runs] == [
        ("reminder", DEFAULT_TEAM, at(8, 30)),
        ("reminder", "eng", at(8, 45)),
        ("standup", DEFAULT_TEAM, at(9, 0)),
        ("standup", "eng", at(9, 15)),
        ("reminder", DEFAULT_TEAM, at(8, 30) + dt.timedelta(days=1)),
    ]
    assert runs[1].run.start_time.isoformat() == "2026-06-08T09:45:00+01:00"  # team's time


def test_upcoming_leaves_out_the_days_a_team_does_not_stand_up() -> None:
    thursday_noon = at(12, 0) + dt.timedelta(days=3)

    runs = upcoming([Team(), ENG], 4, after=thursday_noon)

    assert [
        (r.flow, r.run.parameter_defaults["team"], r.run.start_time.date().isoformat())
        for r in runs
    ] == [
        ("reminder", DEFAULT_TEAM, "2026-06-12"),  # Friday: default only
        ("standup", DEFAULT_TEAM, "2026-06-12"),
        ("reminder", DEFAULT_TEAM, "2026-06-15"),
        ("reminder", "eng", "2026-06-15"),
    ]


def test_clock_trigger_gives_the_clocks_fire_times_one_after_another() -> None:
    clock = team_clocks(Team())["reminder"]
    trigger = ClockTrigger(clock)

    assert trigger.get_next_fire_time(None, at(8, 30)) == at(8, 30)  # due now: fire now
    assert trigger.get_next_fire_time(None, at(8, 31)) == clock.next_after(at(8, 31))
    fire = trigger.get_next_fire_time(None, MONDAY)
    fires = []
    for _ in range(6):  # chained as APScheduler does: the previous fire time goes back in
        assert fire is not None
        fires.append(fire)
        fire = trigger.get_next_fire_time(fire, fire)
    assert [f.date().isoformat() for f in fires] == [
        "2026-06-08",
        "2026-06-09",
        "2026-06-10",
        "2026-06-11",
        "2026-06-12",
        "2026-06-15",
    ]
    assert all((f.hour, f.minute) == (8, 30) for f in fires)
    assert "Europe/London" in str(ClockTrigger(team_clocks(ENG)["standup"]))


def test_catch_up_runs_a_missed_reminder_once_for_its_slot(store: SqliteStore) -> None:
    store.save_team(ENG)  # eng's 09:45 BST (08:45Z) reminder is still ahead at 08:40Z
    run = FakeRun()
    scheduler = FlowScheduler(store, make_settings(), run=run, now=lambda: at(8, 40))

    ran = scheduler.catch_up()

    assert ran == [("reminder", REMINDER_SLOT)]
    assert run.calls == [("reminder", {"team": DEFAULT_TEAM}, REMINDER_SLOT)]


def test_the_start_up_catch_up_runs_however_late_its_thread_comes(store: SqliteStore) -> None:
    """Hundreds of workspaces starting at once keep the jobs' threads busy: a catch-up that
    APScheduler dropped as "missed" (its default grace is one second) would never run."""
    shared = background_scheduler()
    shared.start(paused=True)  # nothing runs: the jobs can be looked at as added
    try:
        scheduler = FlowScheduler(store, make_settings(), run=FakeRun(),
                                  now=lambda: at(8, 40), background=shared)
        scheduler.start()
        [catch_up] = [job for job in shared.get_jobs() if job.id.endswith("catch-up")]
        assert catch_up.misfire_grace_time is None
    finally:
        shared.shutdown(wait=False)


def test_catch_up_outside_the_grace_window_runs_nothing(store: SqliteStore) -> None:
    run = FakeRun()
    settings = make_settings(misfire_grace_seconds=300)
    scheduler = FlowScheduler(store, settings, run=run, now=lambda: at(8, 40))

    assert scheduler.catch_up() == []
    assert run.calls == []


def test_catch_up_survives_a_run_that_raises(store: SqliteStore) -> None:
    run = FakeRun(error=RuntimeError("store down"))
    scheduler = FlowScheduler(store, make_settings(), run=run, now=lambda: at(9, 5))

    ran = scheduler.catch_up()

    assert ran == [("reminder", REMINDER_SLOT), ("standup", at(9, 0))]
    assert len(run.calls) == 2


def test_fire_runs_the_flow_for_the_slot_that_is_due(store: SqliteStore) -> None:
    run = FakeRun()
    now = at(8, 31, 30)  # the job fired a little late
    scheduler = FlowScheduler(store, make_settings(), run=run, now=lambda: now)
    clock = team_clocks(Team())["reminder"]

    scheduler._fire("reminder", clock)

    assert run.calls == [("reminder", {"team": DEFAULT_TEAM}, REMINDER_SLOT)]
    now = at(12, 0)  # far past the slot and its grace: nothing is due
    scheduler = FlowScheduler(
        store, make_settings(misfire_grace_seconds=300), run=run, now=lambda: now
    )
    scheduler._fire("reminder", clock)
    assert len(run.calls) == 1


def test_a_real_scheduler_has_one_job_per_team_and_flow_and_picks_up_new_teams(
    store: SqliteStore,
) -> None:
    store.save_team(ENG)
    run = FakeRun()
    scheduler = FlowScheduler(store, make_settings(), run=run, now=lambda: at(3, 0))
    scheduler.start(catch_up=False)
    try:
        assert scheduler.running
        jobs = scheduler.jobs()
        assert sorted(job.id for job in jobs) == [
            "reminder:default",
            "reminder:eng",
            "standup:default",
            "standup:eng",
        ]
        assert all(isinstance(job.trigger, ClockTrigger) for job in jobs)
        assert all(job.misfire_grace_time == 3600 for job in jobs)

        store.save_team(Team(name="ops", timezone="America/New_York"))
        scheduler._sync_jobs()

        assert sorted(job.id for job in scheduler.jobs()) == [
            "reminder:default",
            "reminder:eng",
            "reminder:ops",
            "standup:default",
            "standup:eng",
            "standup:ops",
        ]
        ops = next(job for job in scheduler.jobs() if job.id == "standup:ops")
        assert ops.trigger.clock.timezone == "America/New_York"
    finally:
        scheduler.shutdown()
    assert not scheduler.running
    assert run.calls == []  # no slot came due while it ran (and catch-up was off)


# Run-history retention, applied by the scheduler at start and then hourly ------------


def _run(history: SqliteHistory, run_id: str, started: dt.datetime) -> None:
    history.save_flow_run(
        FlowRunRecord(
            id=run_id,
            flow="reminder",
            version="1",
            parameters={},
            state="Success",
            message="",
            scheduled_at=None,
            started_at=started,
            ended_at=started,
        )
    )


def test_prune_history_applies_the_retention_and_survives_a_failing_history(
    store: Any,
    tmp_path: Path,
) -> None:
    history = SqliteHistory(str(tmp_path / "h.db"))
    _run(history, "old-run-1", MONDAY - dt.timedelta(days=8))
    _run(history, "new-run-1", MONDAY - dt.timedelta(days=6))
    scheduler = FlowScheduler(
        store,
        make_settings(run_retention_days=7),
        run=FakeRun(),
        now=lambda: MONDAY,
        history=history,
    )

    assert scheduler.prune_history() == 1
    assert [r.id for r in history.list_flow_runs()] == ["new-run-1"]
    history.close()  # now every call fails
    assert scheduler.prune_history() == 0


def test_prune_history_also_closes_runs_whose_process_died(store: Any, tmp_path: Path) -> None:
    """`marvin serve` housekeeping: a `marvin run` killed on this host shows as crashed."""
    import dataclasses

    from marvin.store.liveness import this_process

    history = SqliteHistory(str(tmp_path / "h.db"))
    host, pid, start = this_process().split(":")
    dead = f"{host}:{pid}:{int(start) - 100 if start.isdigit() else 1}"
    _run(history, "killed-run", MONDAY - dt.timedelta(hours=1))
    [run] = history.list_flow_runs()
    history.save_flow_run(dataclasses.replace(run, state="Running", ended_at=None, runner=dead))
    scheduler = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: MONDAY,
                              history=history)

    scheduler.prune_history()

    [closed] = history.list_flow_runs()
    assert (closed.state, closed.ended_at) == ("Failed", MONDAY)
    assert closed.message.startswith("crashed:")
    history.close()


def test_a_started_scheduler_prunes_at_once_and_then_hourly(store, tmp_path: Path) -> None:  # noqa: F811
    history = SqliteHistory(str(tmp_path / "h.db"))
    _run(history, "old-run-1", MONDAY - dt.timedelta(days=40))
    scheduler = FlowScheduler(
        store, make_settings(), run=FakeRun(), now=lambda: MONDAY, history=history
    )
    scheduler.start(catch_up=False)
    try:
        job = scheduler._scheduler.get_job("marvin:prune-runs")
        assert job.trigger.interval == dt.timedelta(hours=1)
        deadline = time.monotonic() + 10
        while history.list_flow_runs() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert history.list_flow_runs() == []
        assert "marvin:prune-runs" not in [j.id for j in scheduler.jobs()]
    finally:
        scheduler.shutdown()
        history.close()


def test_without_a_history_there_is_no_prune_job(store) -> None:  # noqa: F811
    scheduler = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: MONDAY)
    scheduler.start(catch_up=False)
    try:
        assert scheduler._scheduler.get_job("marvin:prune-runs") is None
    finally:
        scheduler.shutdown()
    assert scheduler.prune_history() == 0
