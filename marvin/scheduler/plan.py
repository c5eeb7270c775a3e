"""What to schedule and when: the teams, their flows' clocks and job ids, the members'
zones, the slot due now, and the upcoming runs `marvin schedule` lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows import SCHEDULED_FLOWS
from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.domain.nudge import nudge_slot
from marvin.domain.run_names import NUDGE_FLOW, REMINDER_FLOW, STANDUP_FLOW, WEEKLY_REPORT_FLOW
from marvin.domain.weekly import report_slot
from marvin.domain.zones import member_zone, reminder_zones
from marvin.engine.schedules import CronClock, Schedule, ScheduledRun
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.store.slot_claims import RELEASED as RELEASED  # where shutdown's callers look
from marvin.store.teams import default_team


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
class SlotRun:
    """What became of one slot: `outcome` is ``ran`` (`result`, the run, is set),
    ``already ran``, ``running elsewhere``, ``not started`` (shutting down) or ``failed to
    start`` (the run raised before it could be recorded; no `result`)."""

    job: str
    slot: dt.datetime
    outcome: str
    result: object | None = None

    @property
    def attempted(self) -> bool:
        """This process claimed the slot and started its run."""
        return self.outcome in ("ran", "failed to start")


def due_slot(clock: CronClock, now: dt.datetime, grace: dt.timedelta) -> ScheduledRun | None:
    """The latest slot of `clock` in the `grace` period up to `now`, if any."""
    due = Schedule([clock]).runs_between(now - grace, now)
    return due[-1] if due else None


def slot_time(slot: ScheduledRun) -> dt.datetime:
    """The slot's start as a UTC datetime, as its claim keeps it."""
    return dt.datetime.fromtimestamp(slot.start_time.timestamp(), dt.UTC)


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
