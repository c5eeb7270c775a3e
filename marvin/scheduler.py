"""Scheduling: each team's reminder, standup and nudge flows at its local times, on its days.

A team that reminds each member in their own zone (``reminder_zone = member``) has one
reminder job per distinct zone of its members, not one per member: each run gets its
`zone` and reminds only the members in it. Its standup and nudge stay in the team's zone.

Example::

    scheduler = FlowScheduler(store, settings, run=run_scheduled, now=clock)
    scheduler.start()        # APScheduler jobs, plus catch-up of runs missed while down

The only module that imports an APScheduler scheduler. Fire times come from the
engine's `CronClock` (wrapped as an APScheduler trigger), so `marvin schedule`, the
jobs and the standup-date rules agree, DST days included. Missed runs (downtime) are
run late within a grace period. Each job's latest slot is claimed in the store before it
runs (`SlotClaim`, compare-and-set): a restarted `marvin serve` catches up only slots that
never ran (or whose run died with its process), and of two replicas one runs each slot.
Delivery claims remain the last line: a slot run twice would still send nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from flows import SCHEDULED_FLOWS
from marvin.domain.models import DEFAULT_TEAM, SlotClaim, Team
from marvin.domain.nudge import nudge_slot
from marvin.domain.run_names import NUDGE_FLOW, REMINDER_FLOW, STANDUP_FLOW, WEEKLY_REPORT_FLOW
from marvin.domain.weekly import report_slot
from marvin.domain.workspace import Workspace
from marvin.domain.zones import member_zone, reminder_zones
from marvin.engine.schedules import CronClock, Schedule, ScheduledRun
from marvin.history.recovery import close_dead_runs
from marvin.history.retention import prune_runs
from marvin.settings import Settings
from marvin.store.base import Store, StoreError
from marvin.store.liveness import is_alive_here, is_dead_here, this_process
from marvin.store.run_history import RunHistory
from marvin.store.teams import default_team

log = logging.getLogger("marvin.scheduler")

PRUNE_INTERVAL_SECONDS = 3600  # run history retention is applied hourly (and at start)
RELEASED = "released at shutdown by"
"""A released slot claim's owner starts so: no process, alive or dead, so it is free to
take at once (its `claimed_at` is set back beyond any lease)."""
# The members' zones are read again at most this often (and whenever the teams change):
# on Firestore each read costs a document per member, and zones change rarely.
ZONE_SYNC_SECONDS = 1800

RunScheduled = Callable[[str, dict[str, Any], dt.datetime], object]
"""``run(flow_name, parameters, scheduled_time)``"""


def teams_to_schedule(store: Store, settings: Settings) -> list[Team]:
    """Stored teams, plus the settings' default team when it is not stored."""
    teams = store.list_teams()
    if not any(t.name == DEFAULT_TEAM for t in teams):
        teams.insert(0, default_team(settings))
    return teams


def team_clocks(team: Team) -> dict[str, CronClock]:
    """The reminder and standup clocks of one team in the team's zone, its nudge clock when
    it has nudges, and its weekly report's when that is on (parameter `team` set to its
    name)."""
    params = {"team": team.name}
    clocks = {
        REMINDER_FLOW: CronClock.daily_at(
            team.reminder_time, days=team.days, timezone=team.timezone, parameter_defaults=params
        ),
        STANDUP_FLOW: CronClock.daily_at(
            team.standup_time, days=team.days, timezone=team.timezone, parameter_defaults=params
        ),
    }
    nudge = nudge_slot(team)
    if nudge is not None:
        at, days = nudge
        clocks[NUDGE_FLOW] = CronClock.daily_at(
            at, days=days, timezone=team.timezone, parameter_defaults=params
        )
    slot = report_slot(team.weekly_report)
    if slot is not None:
        day, at = slot
        clocks[WEEKLY_REPORT_FLOW] = CronClock.daily_at(
            at, days=(day,), timezone=team.timezone, parameter_defaults=params)
    return clocks


def job_id(flow_name: str, params: Mapping[str, Any]) -> str:
    """A scheduled job's id, also its slot claim's: ``flow:team``, and ``@zone`` for a
    reminder in one of a team's member zones."""
    job = f"{flow_name}:{params.get('team', '')}"
    zone = params.get("zone")
    return f"{job}@{zone}" if zone else job


def team_jobs(team: Team, zones: Sequence[str] = ()) -> dict[str, tuple[str, CronClock]]:
    """Every job of one team by id: (flow, clock). A team that reminds each member in
    their own zone has one reminder job per distinct zone (`zones`, the members' zones:
    the scheduler fires per zone, not per member), each run given its `zone`."""
    jobs = {job_id(flow, {"team": team.name}): (flow, clock)
            for flow, clock in team_clocks(team).items()}
    if team.reminder_zone == "member":
        del jobs[job_id(REMINDER_FLOW, {"team": team.name})]
        for zone in reminder_zones(team, zones):
            params = {"team": team.name, "zone": zone}
            clock = CronClock.daily_at(
                team.reminder_time, days=team.days, timezone=zone, parameter_defaults=params
            )
            jobs[job_id(REMINDER_FLOW, params)] = (REMINDER_FLOW, clock)
    return jobs


def member_zones(store: Store, teams: list[Team]) -> dict[str, tuple[str, ...]]:
    """The zones members of each "member"-zoned team are reminded in (as kept in the
    store; the reminder runs refresh them from Slack, the `user_change` event sooner)."""
    zones: dict[str, tuple[str, ...]] = {}
    for team in teams:
        if team.reminder_zone != "member":
            continue
        members = store.list_members(team.name)
        kept = {p.user_id: p for p in store.list_member_prefs([m.user_id for m in members])}
        zones[team.name] = tuple(member_zone(team, kept.get(m.user_id)) for m in members)
    return zones


def flow_schedules(
    teams: list[Team], zones: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Schedule]:
    """One Schedule per flow, with a clock per team (per zone for member-zoned reminders)."""
    clocks: dict[str, list[CronClock]] = {name: [] for name in SCHEDULED_FLOWS}
    for team in teams:
        for flow_name, clock in team_jobs(team, (zones or {}).get(team.name, ())).values():
            clocks[flow_name].append(clock)
    return {name: Schedule(c) for name, c in clocks.items() if c}


@dataclass(frozen=True)
class UpcomingRun:
    flow: str
    run: ScheduledRun


def upcoming(
    teams: list[Team], n: int, after: dt.datetime,
    zones: Mapping[str, Sequence[str]] | None = None,
) -> list[UpcomingRun]:
    """The next `n` runs of all flows of all teams, in time order."""
    runs = [
        UpcomingRun(flow, run)
        for flow, schedule in flow_schedules(teams, zones).items()
        for run in schedule.next(n, after=after)
    ]
    runs.sort(key=lambda r: (r.run.start_time, r.flow))
    return runs[:n]


def background_scheduler() -> Any:
    """An APScheduler scheduler on its own threads, in UTC (the clocks carry the zones)."""
    return BackgroundScheduler(timezone=dt.UTC)


class ClockTrigger(BaseTrigger):  # type: ignore[misc]
    """An APScheduler trigger that asks a `CronClock` for its fire times."""

    def __init__(self, clock: CronClock) -> None:
        self.clock = clock

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        after = previous_fire_time or (now - dt.timedelta(microseconds=1))
        return self.clock.next_after(after)

    def __str__(self) -> str:
        return f"clock[{self.clock.cron} {self.clock.timezone}]"


class FlowScheduler:
    """Runs the flows of every team on their clocks, in a background thread."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        run: RunScheduled,
        now: Callable[[], dt.datetime],
        history: RunHistory | None = None,
        zone_sync_seconds: float = ZONE_SYNC_SECONDS,
        workspace: Workspace | None = None,
        background: Any = None,
    ) -> None:
        """`workspace`: whose teams `store` holds (None: single-token mode). `background`:
        an APScheduler scheduler shared with other workspaces' FlowSchedulers (its jobs
        are named by the workspace; `background_scheduler`), None for one of its own."""
        self.store = store
        self.workspace = workspace
        # APScheduler job ids: a workspace's own, so many share one scheduler
        self._prefix = "" if workspace is None else f"{workspace.key}/"
        self.history = history
        self.zone_sync = zone_sync_seconds
        self.settings = settings
        self.run = run
        self.now = now
        self.grace = dt.timedelta(seconds=settings.misfire_grace_seconds)
        self.lease = dt.timedelta(seconds=settings.delivery_lease_seconds)
        self._shared = background is not None
        self._scheduler = background if background is not None else background_scheduler()
        self._teams: list[Team] = []
        self._stopping = False
        self._runs_changed = threading.Condition()
        self._runs: dict[int, SlotClaim | None] = {}  # runs in progress: their slot claims
        self._plan: tuple[list[Team], dict[str, tuple[str, ...]]] = ([], {})
        self._zones_read: float | None = None  # time.monotonic() of the last zones read

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self, catch_up: bool = True) -> None:
        self._sync_jobs()
        self._scheduler.add_job(
            self._sync_jobs, "interval", seconds=60, id=self._own("sync-teams"), coalesce=True
        )
        if catch_up:  # in the scheduler's thread, so start-up is not held up by it
            self._scheduler.add_job(self.catch_up, id=self._own("catch-up"))
        if self.history is not None:  # at start (after downtime), then hourly
            self._scheduler.add_job(
                self.prune_history,
                "interval",
                seconds=PRUNE_INTERVAL_SECONDS,
                id=self._own("prune-runs"),
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
                next_run_time=dt.datetime.now(dt.UTC),
            )
        if not self._scheduler.running:
            self._scheduler.start()

    def _own(self, name: str) -> str:
        """The id of one of this scheduler's housekeeping jobs."""
        return f"marvin:{name}" + (f":{self.workspace.key}" if self.workspace else "")

    def shutdown(self, wait: bool = True) -> None:
        """Stop; `wait` for the runs in progress (False: leave them, the process ends).
        On a shared scheduler, only this workspace's jobs go (it was uninstalled)."""
        self._stopping = True
        if self._shared:
            own = {self._own(name) for name in ("sync-teams", "catch-up", "prune-runs")}
            for job in self._scheduler.get_jobs():
                if job.id.startswith(self._prefix) or job.id in own:
                    job.remove()
            if wait:
                self.wait_for_runs(self.grace.total_seconds())
        elif self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def stop_firing(self) -> None:
        """Start no new run (jobs paused, catch-up cut short); runs in progress go on."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.pause()

    def wait_for_runs(self, timeout: float) -> int:
        """Wait up to `timeout` seconds for the runs in progress; how many still run."""
        with self._runs_changed:
            self._runs_changed.wait_for(lambda: not self._runs, timeout)
            return len(self._runs)

    def release_slots(self) -> int:
        """Give back the slot claims of the runs still in progress, so another replica (or
        this one restarted) runs those slots at once; how many were released."""
        with self._runs_changed:
            claims = [claim for claim in self._runs.values() if claim is not None]
        released = 0
        for claim in claims:
            free = replace(claim, owner=f"{RELEASED} {claim.owner}",
                           claimed_at=claim.claimed_at - self.lease - dt.timedelta(days=1))
            try:
                released += bool(self.store.swap_slot_claim(claim, free))
            except StoreError as exc:  # its lease still frees it, later
                log.warning("%s: cannot release slot %s: %s", claim.job, claim.slot, exc)
        return released

    @contextmanager
    def _in_progress(self, claim: SlotClaim | None) -> Iterator[None]:
        key = threading.get_ident()
        with self._runs_changed:
            self._runs[key] = claim
        try:
            yield
        finally:
            with self._runs_changed:
                self._runs.pop(key, None)
                self._runs_changed.notify_all()

    def jobs(self) -> list[Any]:
        """This workspace's flow jobs (not the housekeeping ones)."""
        return [j for j in self._scheduler.get_jobs()
                if not j.id.startswith("marvin:") and j.id.startswith(self._prefix)]

    def _plan_now(self) -> tuple[list[Team], dict[str, tuple[str, ...]]]:
        """The teams, and their members' zones: read again when the teams changed or
        `zone_sync_seconds` have passed, else as last read."""
        teams = teams_to_schedule(self.store, self.settings)
        read = self._zones_read
        if teams == self._plan[0] and read is not None \
                and time.monotonic() - read < self.zone_sync:
            return teams, self._plan[1]
        self._zones_read = time.monotonic()
        return teams, member_zones(self.store, teams)

    def _sync_jobs(self) -> None:
        """(Re)create one job per team and flow (and member zone) when they changed."""
        plan = self._plan_now()
        if plan == self._plan:
            return
        for job in self.jobs():
            job.remove()
        teams, zones = plan
        for team in teams:
            for job, (flow_name, clock) in team_jobs(team, zones.get(team.name, ())).items():
                self._scheduler.add_job(
                    self._fire,
                    ClockTrigger(clock),
                    args=[flow_name, clock],
                    id=self._prefix + job,
                    name=f"{flow_name} for team {team.name}"
                    + (f" of workspace {self.workspace.key}" if self.workspace else ""),
                    misfire_grace_time=int(self.grace.total_seconds()),
                    coalesce=True,
                    max_instances=1,
                    replace_existing=True,
                )
        self._plan = plan
        log.info("scheduled %d team(s): %s", len(teams), ", ".join(t.name for t in teams))

    def _fire(self, flow_name: str, clock: CronClock) -> None:
        """A job: run the flow for the slot that is due now (a late job keeps its slot)."""
        now = self.now()
        due = Schedule([clock]).runs_between(now - self.grace, now)
        if not due:
            log.warning("%s fired with no slot in the last %s; skipped", flow_name, self.grace)
            return
        self._run_slot(flow_name, due[-1])

    def catch_up(self) -> list[tuple[str, dt.datetime]]:
        """Run each clock's latest slot within the grace period that never ran (missed
        during downtime), or whose run died with its process; returns what it ran."""
        now = self.now()
        ran: list[tuple[str, dt.datetime]] = []
        teams = teams_to_schedule(self.store, self.settings)
        zones = member_zones(self.store, teams)  # fresh: catch-up runs rarely
        for team in teams:
            for flow_name, clock in team_jobs(team, zones.get(team.name, ())).values():
                due = Schedule([clock]).runs_between(now - self.grace, now)
                if due and self._run_slot(flow_name, due[-1]):
                    ran.append((flow_name, due[-1].start_time))
        return ran

    def _run_slot(self, flow_name: str, slot: ScheduledRun) -> bool:
        """Run `slot` if this process wins its claim; mark it done after. False: skipped."""
        params = dict(slot.parameter_defaults)
        job = job_id(flow_name, params)
        at = dt.datetime.fromtimestamp(slot.start_time.timestamp(), dt.UTC)
        if self._stopping:
            log.info("%s: slot %s not started: shutting down", job, at)
            return False
        try:
            claim = self._claim(job, at)
        except StoreError as exc:
            # Run it anyway: its delivery claims still prevent re-sends, and a dead store
            # then fails the run loudly (with the alert) instead of skipping it silently.
            log.warning("%s: cannot claim slot %s (%s); running it", job, at, exc)
            claim = None
        else:
            if claim is None:
                log.info("%s: slot %s already ran or is running elsewhere; skipped", job, at)
                return False
        with self._in_progress(claim):
            started = self._run_safely(flow_name, params, slot.start_time)
        if claim is not None and started:  # else a restart may try it again
            try:
                if not self.store.swap_slot_claim(claim, replace(claim, done=True)):
                    log.warning("%s: slot %s was taken over while it ran", job, at)
            except StoreError as exc:
                log.warning("%s: cannot mark slot %s done: %s", job, at, exc)
        return True

    def _claim(self, job: str, slot: dt.datetime) -> SlotClaim | None:
        """This process's claim on `slot` of `job`, or None when it must not run it: a
        later slot was claimed, this one is done, or its claimer may still be running it
        (alive on this host, or on another host within the lease)."""
        current = self.store.get_slot_claim(job)
        now = self.now()
        if current is not None and current.slot >= slot:
            if current.slot > slot or current.done:
                return None
            expired = current.claimed_at + self.lease <= now and not is_alive_here(current.owner)
            if not (is_dead_here(current.owner) or expired):
                return None
        claim = SlotClaim(job, slot, this_process(), now)
        return claim if self.store.swap_slot_claim(current, claim) else None

    def prune_history(self) -> int:
        """Delete runs older than MARVIN_RUN_RETENTION_DAYS, and close runs whose process
        died (`close_dead_runs`); a failure is logged, not raised."""
        if self.history is None:
            return 0
        close_dead_runs(self.history, self.now())
        days = self.settings.run_retention_days
        try:
            deleted = prune_runs(self.history, self.now(), days)
        except Exception:  # a scheduler thread must survive anything; next hour tries again
            log.exception("pruning run history (older than %d days) failed", days)
            return 0
        if deleted:
            log.info("pruned %d run(s) older than %d days", deleted, days)
        return deleted

    def _run_safely(self, flow_name: str, params: dict[str, Any], at: dt.datetime) -> bool:
        """False when the run could not even start (it raised)."""
        try:
            self.run(flow_name, params, at)
        except Exception:  # a scheduler thread must survive anything a run does
            log.exception("scheduled %s run for %s failed to start", flow_name, params)
            return False
        return True
