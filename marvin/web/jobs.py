"""POST /jobs/{flow}: an external scheduler (Cloud Scheduler) fires a team's slot of a flow.

Example (one Cloud Scheduler job per flow and team, at the team's time in its zone)::

    POST /jobs/reminder   Authorization: Bearer <token>   {"team": "default"}
    (OAuth mode, several workspaces installed: {"team": "default", "workspace": "T0123"})
    200 {"flow": "reminder", "team": "default",
         "runs": [{"job": "reminder:default", "slot": "...", "outcome": "ran",
                   "run_id": "...", "state": "Success"}]}

With ``MARVIN_SCHEDULER=external`` no replica fires anything by itself; this route computes
the slot due now from the team's stored schedule (a call up to `EARLY_SECONDS` early, or up
to MARVIN_MISFIRE_GRACE_SECONDS late, finds it; any other call gets 409 and why: a caller
cannot invent slots) and runs it through `FlowScheduler.run_slot`, the slot claim the
internal scheduler uses. So a retried or duplicated call runs the slot once: once the slot
is done, the others answer 200 with the outcome ``already ran``, which Cloud Scheduler
counts as done. While its run is still in progress elsewhere they answer 409 with the
outcome ``running elsewhere``: Cloud Scheduler retries, and a later retry learns that it
ran, or takes the slot over if its claimer died (after the claim's lease). The answer comes
once the run ended (Cloud Scheduler waits up to its attempt deadline; a run that outlives
it is not cut short).

In OAuth mode the slot is the named workspace's (`"workspace"`, its key as `marvin
workspaces list` shows it; required when several are installed, as `--workspace` is) and
runs in that workspace's scheduler, against its store; in single-token mode naming one is
refused.

Statuses: 200 ran or already ran; 400 bad body, unknown workspace or unknown team; 401 no
or bad credentials; 404 unknown flow; 409 internal scheduler on, no such schedule, no slot
due now, or the slot running elsewhere; 413 body too large; 503 store unreachable, shutting
down, the run or the workspace's schedules could not start, or Google's certificates
unreachable (a retry may succeed).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flows import SCHEDULED_FLOWS
from marvin.domain.names import check_team_name
from marvin.domain.workspace_choice import UnknownWorkspace, choose_workspace
from marvin.engine.schedules import CronClock, Schedule, ScheduledRun
from marvin.scheduler import FlowScheduler, SlotRun, member_zones, team_jobs, teams_to_schedule
from marvin.settings import Settings
from marvin.store.base import Store, StoreError
from marvin.store.slot_claims import RUNNING_ELSEWHERE
from marvin.web.http import read_body
from marvin.web.jobs_auth import CertsUnavailable, JobsAuth
from marvin.workspace_schedules import NotScheduled, WorkspaceSchedulers

log = logging.getLogger("marvin.web.jobs")

EARLY_SECONDS = 60
"""A call this early still finds its slot: Cloud Scheduler's clock and ours may differ a
little, and a job fires at the very second of its slot."""
MAX_JOB_BODY_BYTES = 4096
FIELDS = frozenset({"team", "zone", "slot", "workspace"})
INTERNAL = ("MARVIN_SCHEDULER=internal: this service's own scheduler runs the slots; set "
            "MARVIN_SCHEDULER=external to fire them with POST /jobs/{flow}")


class JobRefused(Exception):
    """The request cannot run a slot: `status` and a message saying why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class JobRequest:
    """The body: which team (default ``default``), optionally which member zone (a
    member-zoned reminder), which slot (an ISO time that must be the due one) and which
    workspace (OAuth mode; its key)."""

    team: str
    zone: str | None = None
    slot: dt.datetime | None = None
    workspace: str | None = None

    @classmethod
    def parse(cls, body: bytes) -> JobRequest:
        try:
            data: Any = json.loads(body) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise JobRefused(400, "the body must be JSON, e.g. {\"team\": \"default\"}") \
                from None
        if not isinstance(data, dict):
            raise JobRefused(400, "the body must be a JSON object, e.g. {\"team\": \"default\"}")
        unknown = sorted(set(data) - FIELDS)
        if unknown:
            raise JobRefused(400, f"unknown field(s) {unknown}; expected {sorted(FIELDS)}")
        team, zone, slot = data.get("team", "default"), data.get("zone"), data.get("slot")
        workspace = data.get("workspace")
        if not isinstance(team, str) or any(
                value is not None and not isinstance(value, str)
                for value in (zone, slot, workspace)):
            raise JobRefused(400, "team, zone, slot and workspace must be strings")
        try:
            check_team_name(team)
            at = dt.datetime.fromisoformat(slot) if slot is not None else None
        except ValueError as exc:
            raise JobRefused(400, str(exc)) from None
        if at is not None and at.tzinfo is None:
            raise JobRefused(400, "slot must have a UTC offset, e.g. 2026-06-08T08:30:00+00:00")
        return cls(team, zone, at, workspace)


def due_slots(
    flow: str, request: JobRequest, store: Store, settings: Settings, now: dt.datetime
) -> list[tuple[str, ScheduledRun]]:
    """The slots of `flow` for the request's team that are due now (one per clock: one,
    or one per member zone of a member-zoned reminder asked without a zone).

    Raises:
        JobRefused: 400 for an unknown team, 409 when it has no such schedule or nothing
            is due now.
    """
    team = next((t for t in teams_to_schedule(store, settings) if t.name == request.team),
                None)
    if team is None:
        raise JobRefused(400, f"no team named {request.team!r} (see `marvin team list`)")
    zones = member_zones(store, [team]).get(team.name, ())
    clocks = [clock for name, clock in team_jobs(team, zones).values() if name == flow
              and request.zone in (None, clock.parameter_defaults.get("zone"))]
    if not clocks:
        where = f" in zone {request.zone}" if request.zone else ""
        raise JobRefused(409, f"team {team.name!r} has no {flow} schedule{where}")
    grace = dt.timedelta(seconds=settings.misfire_grace_seconds)
    due = [(flow, slot) for clock in clocks
           if (slot := _due(clock, now, grace, request.slot)) is not None]
    if not due:
        raise JobRefused(409, _nothing_due(flow, team.name, clocks, now, grace))
    return due


def _due(clock: CronClock, now: dt.datetime, grace: dt.timedelta,
         wanted: dt.datetime | None) -> ScheduledRun | None:
    window = Schedule([clock]).runs_between(now - grace, now + dt.timedelta(seconds=EARLY_SECONDS))
    if wanted is not None:
        window = [run for run in window if run.start_time == wanted]
    return window[-1] if window else None


def _nothing_due(flow: str, team: str, clocks: list[CronClock], now: dt.datetime,
                 grace: dt.timedelta) -> str:
    upcoming = sorted(t for c in clocks if (t := c.next_after(now)) is not None)
    nxt = f"; the next is at {upcoming[0].isoformat()}" if upcoming else ""
    return (f"no {flow} slot of team {team!r} is due at {now.isoformat()}: a slot is run "
            f"from {EARLY_SECONDS} s before its time to {int(grace.total_seconds())} s after "
            f"(MARVIN_MISFIRE_GRACE_SECONDS){nxt}")


def slot_json(run: SlotRun) -> dict[str, Any]:
    out: dict[str, Any] = {"job": run.job, "slot": run.slot.isoformat(), "outcome": run.outcome}
    result = run.result
    if result is not None:
        out["run_id"] = getattr(result, "id", None)
        state = getattr(result, "state", None)
        out["state"] = getattr(state, "name", None) or type(state).__name__
    return out


def status_of(runs: list[SlotRun]) -> int:
    """503 when a slot was not run here and may be on a retry (shutting down, or its run
    could not start), 409 when one is still running elsewhere, else 200."""
    outcomes = {run.outcome for run in runs}
    if outcomes & {"not started", "failed to start"}:
        return 503
    return 409 if RUNNING_ELSEWHERE in outcomes else 200


def scheduler_of(scheduler: FlowScheduler | WorkspaceSchedulers,
                 workspace: str | None) -> FlowScheduler:
    """The scheduler that runs the slots of the workspace a body names (by key): in OAuth
    mode that workspace's; in single-token mode the one (naming a workspace is refused).

    Raises:
        JobRefused: 400 naming an unknown workspace, or none with several installed (the
            CLI's rule, `choose_workspace`); 503 when its schedules could not start.
    """
    try:
        if isinstance(scheduler, WorkspaceSchedulers):
            return scheduler.of(workspace)
        choose_workspace(None, workspace)
        return scheduler
    except UnknownWorkspace as exc:
        raise JobRefused(400, str(exc)) from None
    except NotScheduled as exc:
        raise JobRefused(503, str(exc)) from None


def _due_in_workspace(
    flow: str, job: JobRequest, scheduler: FlowScheduler | WorkspaceSchedulers,
    settings: Settings, now: dt.datetime,
) -> tuple[FlowScheduler, list[tuple[str, ScheduledRun]]]:
    runner = scheduler_of(scheduler, job.workspace)
    return runner, due_slots(flow, job, runner.store, settings, now)


def jobs_routes(
    settings: Settings, scheduler: FlowScheduler | WorkspaceSchedulers, auth: JobsAuth,
    now: Callable[[], dt.datetime],
) -> list[Route]:
    """The POST /jobs/{flow} route (answering 409 unless MARVIN_SCHEDULER=external);
    `scheduler`: single-token mode's, or every installed workspace's."""

    async def run_job(request: Request) -> Response:
        flow = request.path_params["flow"]
        if flow not in SCHEDULED_FLOWS:
            return _error(404, f"no flow {flow!r}; expected one of {list(SCHEDULED_FLOWS)}")
        if settings.scheduler != "external":
            return _error(409, INTERNAL)
        try:
            refusal = await run_in_threadpool(auth.refusal, request.headers.get("authorization"))
        except CertsUnavailable as exc:
            log.warning("POST /jobs/%s: %s", flow, exc)
            return _error(503, "cannot check the ID token just now; retry later")
        if refusal is not None:
            return _error(401, refusal, {"WWW-Authenticate": "Bearer"})
        body = await read_body(request, MAX_JOB_BODY_BYTES)
        if body is None:
            return _error(413, "request body too large")
        try:
            job = JobRequest.parse(body)
            runner, slots = await run_in_threadpool(
                _due_in_workspace, flow, job, scheduler, settings, now())
        except JobRefused as exc:
            return _error(exc.status, str(exc))
        except StoreError as exc:
            log.warning("POST /jobs/%s: store unreachable: %s", flow, exc)
            return _error(503, "the store is unreachable; retry later")
        runs = [await run_in_threadpool(runner.run_slot, name, slot) for name, slot in slots]
        answer: dict[str, Any] = {"flow": flow, "team": job.team,
                                  "runs": [slot_json(r) for r in runs]}
        if runner.workspace is not None:
            answer["workspace"] = runner.workspace.key
        return JSONResponse(answer, status_code=status_of(runs))

    return [Route("/jobs/{flow}", run_job, methods=["POST"])]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=headers)
