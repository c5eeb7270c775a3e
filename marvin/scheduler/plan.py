"""What to schedule and when: the teams, their flows' clocks and job ids, the members'
zones, the slot due now, and the upcoming runs `marvin schedule` lists.

A slot on a team holiday is still scheduled and fires: its run records itself Skipped,
naming the holiday (`flows.common.skip_holiday`), which is the audit trail of why nobody
was reminded. `upcoming` says so ahead of time: each such run carries its `holiday` and
the next standup that is not one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flows import SCHEDULED_FLOWS
from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.domain.nudge import nudge_slot
from marvin.domain.run_names import NUDGE_FLOW, REMINDER_FLOW, STANDUP_FLOW, WEEKLY_REPORT_FLOW
from marvin.domain.standup import next_standup_date
from marvin.domain.team_holidays import holiday_name
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


HOLIDAY_SKIPPED_FLOWS = (REMINDER_FLOW, NUDGE_FLOW, STANDUP_FLOW)
"""The flows whose runs skip a team holiday (the weekly report goes out whatever the day)."""


@dataclass(frozen=True)
class HolidaySkip:
    """A run that will fire on a team holiday and skip: the holiday's `name` and the next
    standup date that is not a holiday (None when there is none within a year)."""

    name: str
    next_standup: str | None


@dataclass(frozen=True)
class UpcomingRun:
    flow: str
    run: ScheduledRun
    holiday: HolidaySkip | None = None


def upcoming(
    teams: list[Team], n: int, after: dt.datetime,
    zones: Mapping[str, Sequence[str]] | None = None,
) -> list[UpcomingRun]:
    """The next `n` runs of all flows of all teams, in time order, each that falls on a
    team holiday saying so."""
    by_name = {team.name: team for team in teams}
    runs = [
        UpcomingRun(flow, run, holiday_skip(by_name, flow, run))
        for flow, schedule in flow_schedules(teams, zones).items()
        for run in schedule.next(n, after=after)
    ]
    runs.sort(key=lambda r: (r.run.start_time, r.flow))
    return runs[:n]


def holiday_skip(teams: Mapping[str, Team], flow: str, run: ScheduledRun) -> HolidaySkip | None:
    """What `run` will skip for: the holiday on its local date (the date its flow checks:
    the zone it fires in, a member zone's own for a member-zoned reminder), if any."""
    team = teams.get(str(run.parameter_defaults.get("team", "")))
    if team is None or flow not in HOLIDAY_SKIPPED_FLOWS:
        return None
    day = run.start_time.date().isoformat()  # the clock's zone: the team's, or the members'
    name = holiday_name(team, day)
    if name is None:
        return None
    try:
        after = next_standup_date(team, day)
    except ValueError:  # every standup day within a year is a holiday
        after = None
    return HolidaySkip(name, after)
