"""`FlowScheduler`: one workspace's (or single-token mode's) jobs on APScheduler, each slot
claimed in the store before it runs, taken over when its claimer died, the hourly
prune of the run history and the automation pass (failed automations run again,
`flows.automation_retries`); `ClockTrigger` turns the engine's clocks into APScheduler
triggers."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger

from flows.automation_retries import retry_failed_automations
from marvin.domain.models import SlotClaim, Team
from marvin.domain.workspace import Workspace
from marvin.engine import FlowRun
from marvin.engine.schedules import CronClock, ScheduledRun
from marvin.history.recovery import close_dead_runs
from marvin.history.retention import prune_runs
from marvin.scheduler.plan import (
    SlotRun,
    due_slot,
    job_id,
    member_zones,
    slot_time,
    team_jobs,
    teams_to_schedule,
)
from marvin.settings import Settings
from marvin.store.base import Store, StoreError
from marvin.store.run_history import RunHistory
from marvin.store.slot_claims import RELEASED as RELEASED  # where shutdown's callers look
from marvin.store.slot_claims import SlotClaims

log = logging.getLogger("marvin.scheduler")

PRUNE_INTERVAL_SECONDS = 3600  # run history retention is applied hourly (and at start)
# The members' zones are read again at most this often (and whenever the teams change):
# on Firestore each read costs a document per member, and zones change rarely.
ZONE_SYNC_SECONDS = 1800

TAKEOVER_SECONDS = 60
"""How often each replica looks for slots to take over (at most; a shorter delivery lease
shortens it): a claimer that died on this host, or whose lease ran out elsewhere."""
# Between two automation passes (`retry_automations`): each reads every automation
# flow's runs of the last day (on Firestore at least a read per flow), so a failed
# automation waits up to a quarter of an hour rather than costing ~1,000 reads a day.
AUTOMATION_RETRY_SECONDS = 900
PRUNE_JOB = "marvin:prune-runs"  # the prune's slot claim: one replica prunes each hour

SKIPPED = "already ran or is running elsewhere"  # what the log says of a skipped slot

RunScheduled = Callable[[str, dict[str, Any], dt.datetime], object]
"""``run(flow_name, parameters, scheduled_time)``"""


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
        self.claims = SlotClaims(store, dt.timedelta(seconds=settings.delivery_lease_seconds),
                                 lambda: self.now())
        self._shared = background is not None
        self._scheduler = background if background is not None else background_scheduler()
        self._teams: list[Team] = []
        self._stopping = False
        self._runs_changed = threading.Condition()
        self._runs: dict[int, SlotClaim | None] = {}  # runs in progress: their slot claims
        # held while a claim of a run in progress is swapped (renewed, or marked done)
        self._claim_swap = threading.Lock()
        self._plan: tuple[list[Team], dict[str, tuple[str, ...]]] = ([], {})
        self._zones_read: float | None = None  # time.monotonic() of the last zones read

    @property
    def takeover_interval(self) -> float:
        """Seconds between two looks for slots to take over (and renewals of this
        process's own claims): TAKEOVER_SECONDS, or half the lease when shorter, so a
        live run's claim is renewed well before its lease would let another take it."""
        return min(float(TAKEOVER_SECONDS), self.settings.delivery_lease_seconds / 2)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self, catch_up: bool = True, *, fire: bool = True) -> None:
        """Start the jobs in a background thread. `fire` False (an external scheduler
        fires the slots through `run_slot`): only the upkeep runs, renewing this process's
        claims, taking over slots whose claimer died, and pruning the run history."""
        if fire:
            self._sync_jobs()
            self._scheduler.add_job(
                self._sync_jobs, "interval", seconds=60, id=self._own("sync-teams"),
                coalesce=True,
            )
        if catch_up and fire:  # in the scheduler's thread, so start-up is not held up by it
            # run however late: with hundreds of workspaces starting at once the jobs' threads
            # are busy for a while, and a catch-up dropped as "missed" never comes back
            self._scheduler.add_job(self.catch_up, id=self._own("catch-up"),
                                    misfire_grace_time=None)
        self._scheduler.add_job(
            self.take_over, "interval", seconds=self.takeover_interval,
            id=self._own("take-over"), coalesce=True, max_instances=1,
        )
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
        if self.history is not None:  # at start (a restart), then every few minutes
            self._scheduler.add_job(
                self.retry_automations, "interval", seconds=AUTOMATION_RETRY_SECONDS,
                id=self._own("retry-automations"), coalesce=True, max_instances=1,
                misfire_grace_time=None, next_run_time=dt.datetime.now(dt.UTC),
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
            own = {self._own(name)
                   for name in ("sync-teams", "catch-up", "take-over", "prune-runs",
                                "retry-automations")}
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
        with self._claim_swap:  # not renewed meanwhile
            with self._runs_changed:
                claims = [claim for claim in self._runs.values() if claim is not None]
            return sum(self.claims.release(claim) for claim in claims)

    def renew_claims(self) -> int:
        """Move the claims of this process's runs in progress to now, so a run longer
        than the lease is not taken over by a replica on another host (which cannot see
        that this process lives); how many were renewed."""
        renewed = 0
        with self._claim_swap:
            with self._runs_changed:
                runs = [(key, claim) for key, claim in self._runs.items() if claim is not None]
            for key, claim in runs:
                fresh = self.claims.renew(claim)
                if fresh is None:
                    continue
                with self._runs_changed:
                    if key in self._runs:
                        self._runs[key] = fresh
                renewed += 1
        return renewed

    @contextmanager
    def _in_progress(self, claim: SlotClaim | None) -> Iterator[int]:
        key = threading.get_ident()
        with self._runs_changed:
            self._runs[key] = claim
        try:
            yield key
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
        slot = due_slot(clock, self.now(), self.grace)
        if slot is None:
            log.warning("%s fired with no slot in the last %s; skipped", flow_name, self.grace)
            return
        self.run_slot(flow_name, slot)

    def catch_up(self, *, claimed_only: bool = False) -> list[tuple[str, dt.datetime]]:
        """Run each clock's latest slot within the grace period that never ran (missed
        during downtime), or whose run died with its process; returns what it ran.
        `claimed_only`: only slots some process claimed and did not finish (`take_over`)."""
        now = self.now()
        ran: list[tuple[str, dt.datetime]] = []
        if claimed_only:  # every minute on every replica: the zones as last read
            teams, zones = self._plan_now()
        else:  # fresh: a full catch-up runs rarely
            teams = teams_to_schedule(self.store, self.settings)
            zones = member_zones(self.store, teams)
        for team in teams:
            for flow_name, clock in team_jobs(team, zones.get(team.name, ())).values():
                slot = due_slot(clock, now, self.grace)
                if slot is None:
                    continue
                if claimed_only and not self._unfinished_claim(flow_name, slot):
                    continue
                if self.run_slot(flow_name, slot).attempted:
                    ran.append((flow_name, slot.start_time))
        return ran

    def take_over(self) -> list[tuple[str, dt.datetime]]:
        """Run the due slots whose claimer died (on this host) or whose lease ran out
        (elsewhere) before finishing: with several replicas, one that is killed mid-run
        is taken over by the others, not only by its own restart. Renews this process's
        own claims first (`renew_claims`). Never raises."""
        try:
            self.renew_claims()
            return self.catch_up(claimed_only=True)
        except Exception:  # a scheduler thread must survive anything; next pass tries again
            log.exception("looking for slots to take over failed")
            return []

    def _unfinished_claim(self, flow_name: str, slot: ScheduledRun) -> bool:
        return self.claims.unfinished(job_id(flow_name, slot.parameter_defaults), slot_time(slot))

    def run_slot(self, flow_name: str, slot: ScheduledRun) -> SlotRun:
        """Run `slot` if this process wins its claim; mark it done after."""
        params = dict(slot.parameter_defaults)
        job = job_id(flow_name, params)
        at = slot_time(slot)
        if self._stopping:
            log.info("%s: slot %s not started: shutting down", job, at)
            return SlotRun(job, at, "not started")
        claim: SlotClaim | None
        try:
            won = self.claims.claim(job, at)
        except StoreError as exc:
            # Run it anyway: its delivery claims still prevent re-sends, and a dead store
            # then fails the run loudly (with the alert) instead of skipping it silently.
            log.warning("%s: cannot claim slot %s (%s); running it", job, at, exc)
            claim = None
        else:
            if isinstance(won, str):
                log.info("%s: slot %s %s; skipped", job, at, SKIPPED)
                return SlotRun(job, at, won)
            claim = won
        with self._in_progress(claim) as key:
            started, result = self._run_safely(flow_name, params, slot.start_time)
            if started and claim is not None:
                self._mark_done(key)
        if not started:  # a restart (or another replica, after the lease) tries again
            return SlotRun(job, at, "failed to start")
        return SlotRun(job, at, "ran", result)

    def _mark_done(self, key: int) -> None:
        with self._claim_swap:
            with self._runs_changed:
                claim = self._runs.get(key)  # as last renewed
            if claim is not None:
                self.claims.mark_done(claim)

    def retry_automations(self) -> list[FlowRun]:
        """The automation pass: run again the automations that claimed their event and
        failed (`flows.automation_retries`); the runs started. Never raises. Runs whose
        process died on this host are closed as Failed first, so an automation killed
        mid-run is retried by the first pass after the restart."""
        if self.history is None or self._stopping:
            return []
        close_dead_runs(self.history, self.now())

        def start(flow: str, params: dict[str, object]) -> FlowRun:
            return cast(FlowRun, self.run(flow, params, self.now()))  # the composition root's

        try:
            return retry_failed_automations(self.history, self.store, self.now, start)
        except Exception:  # a scheduler thread must survive anything; the next pass tries again
            log.exception("the automation pass failed")
            return []

    def prune_history(self) -> int:
        """Delete runs older than MARVIN_RUN_RETENTION_DAYS, and close runs whose process
        died (`close_dead_runs`); a failure is logged, not raised. Of several replicas,
        the one that claims the hour prunes (the others would only repeat its deletes)."""
        if self.history is None:
            return 0
        close_dead_runs(self.history, self.now())
        days = self.settings.run_retention_days
        try:
            hour = self.now().astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
            claim = self.claims.claim(PRUNE_JOB, hour)
            if isinstance(claim, str):
                log.info("run history pruning for %s: %s", hour, claim)
                return 0
            deleted = prune_runs(self.history, self.now(), days)
            self.claims.mark_done(claim)
        except Exception:  # a scheduler thread must survive anything; next hour tries again
            log.exception("pruning run history (older than %d days) failed", days)
            return 0
        if deleted:
            log.info("pruned %d run(s) older than %d days", deleted, days)
        return deleted

    def _run_safely(
        self, flow_name: str, params: dict[str, Any], at: dt.datetime
    ) -> tuple[bool, object]:
        """(True, the run), or (False, None) when it could not even start (it raised)."""
        try:
            return True, self.run(flow_name, params, at)
        except Exception:  # a scheduler thread must survive anything a run does
            log.exception("scheduled %s run for %s failed to start", flow_name, params)
            return False, None
