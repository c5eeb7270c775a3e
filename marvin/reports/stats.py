"""Standup analytics: participation, reminders needed and digest size over a date range.

Pure functions over records the caller has read (members, updates, recorded reminder
runs: their records with summaries, `marvin.reports.reminder_runs`); no store, no
history, no clock, so `marvin stats` and tests feed them the same way.

Example::

    stats = team_stats(team, members, updates_by_date, reminder_runs, "2026-06-01", "2026-06-30")
    stats.avg_reminders_needed   # reminders needed per standup day
    stats.members[0].participation   # % of standup days that member posted on

Reminders needed come from what the reminder flow actually decided at reminder time (its
`is_reminder_needed` children that ran rather than skipped). A day without a complete
recorded run falls back to who was still missing from the updates: people who posted after
the reminder are not counted then, so that figure is a lower bound.

A team holiday is not a standup day. A member away on a day (planned time off,
`marvin.domain.availability`) is not counted on it at all, unless they posted anyway:
neither missing nor a day their participation is measured over.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marvin.domain.availability import absence_on
from marvin.domain.digest import digest_summary
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Team, Update
from marvin.domain.run_names import REMINDER_FLOW, REMINDER_NEEDED_TASK, STANDUP_DATE_TASK
from marvin.domain.standup import is_blank_update, parse_date, standup_days
from marvin.store.run_records import FlowRunRecord, RunDetail, summarize

__all__ = [
    "REMINDER_FLOW",
    "DayStats",
    "MemberStats",
    "TeamStats",
    "has_summary",
    "reminders_needed_by_date",
    "team_stats",
]

_UNFINISHED = frozenset({"Pending", "Scheduled", "Retrying", "Paused", "Running"})
_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class DayStats:
    """One standup day."""

    date: str
    posted: int  # members (or former members) with a non-blank update: the digest's updates
    missing: int  # members in the team that day without one
    reminders_needed: int
    reminders_recorded: bool  # True: from a reminder run; False: estimated from `missing`
    digest_characters: int  # characters of the updates in the digest


@dataclass(frozen=True)
class MemberStats:
    member: Member
    days_posted: int
    standup_days: int  # the range's standup days on which the member was in the team

    @property
    def participation(self) -> float:
        """Percent of their standup days this member posted on (0 when there were none)."""
        return _ratio(self.days_posted, self.standup_days) * 100


@dataclass(frozen=True)
class TeamStats:
    team: Team
    start: str
    end: str
    days: tuple[DayStats, ...]  # the standup days in [start, end], in date order
    members: tuple[MemberStats, ...]  # in the order given, once each

    @property
    def standup_days(self) -> int:
        return len(self.days)

    @property
    def avg_reminders_needed(self) -> float:
        return _ratio(sum(d.reminders_needed for d in self.days), len(self.days))

    @property
    def avg_participation(self) -> float:
        """Mean of the members' participation, in percent (0 without members)."""
        return _ratio(sum(m.participation for m in self.members), len(self.members))

    @property
    def avg_digest_updates(self) -> float:
        return _ratio(sum(d.posted for d in self.days), len(self.days))

    @property
    def avg_digest_characters(self) -> float:
        return _ratio(sum(d.digest_characters for d in self.days), len(self.days))

    @property
    def recorded_days(self) -> int:
        """Days whose reminders needed come from a recorded run rather than an estimate."""
        return sum(d.reminders_recorded for d in self.days)


def team_stats(
    team: Team,
    members: Sequence[Member],
    updates_by_date: Mapping[str, Sequence[Update]],
    reminder_runs: Sequence[FlowRunRecord | RunDetail],
    start: str,
    end: str,
    absences: Sequence[Absence] = (),
) -> TeamStats:
    """The team's standup statistics for the standup days from `start` to `end`, inclusive.

    `updates_by_date` needs only the standup days (a missing date means nobody posted);
    updates, members and runs of other teams are ignored, so callers may pass them mixed.
    `members` should include former ones: each member counts (as posted or missing) only
    on the days they belonged to the team (`Member.belongs_on`) and were not away
    (`absences`, everyone's that overlap the range), and members who belonged on none
    of the range's days are left out.

    Raises:
        ValueError: a bad date, `start` after `end`, or a team without valid standup days.
    """
    dates = standup_days(team, start, end)
    members = _unique(m for m in members if m.team == team.name)
    recorded = reminders_needed_by_date(team.name, reminder_runs)
    posted_days = dict.fromkeys((m.user_id for m in members), 0)
    belonging_days = dict.fromkeys((m.user_id for m in members), 0)
    days = []
    for date in dates:
        updates = [
            u for u in updates_by_date.get(date, ()) if u.team == team.name and u.date == date
        ]
        wrote = {u.user_id for u in updates if not is_blank_update(u)}
        present = [m for m in members if m.belongs_on(date) and (
            m.user_id in wrote or absence_on(m.user_id, date, absences) is None)]
        summary = digest_summary(updates, present)
        for member in present:
            belonging_days[member.user_id] += 1
        counted = {m.user_id for m in present}
        for update in updates:
            if update.user_id in counted and not is_blank_update(update):
                posted_days[update.user_id] += 1
        days.append(
            DayStats(
                date=date,
                posted=summary["posted"],
                missing=summary["missing"],
                reminders_needed=recorded.get(date, summary["missing"]),
                reminders_recorded=date in recorded,
                digest_characters=summary["characters"],
            )
        )
    return TeamStats(
        team=team,
        start=start,
        end=end,
        days=tuple(days),
        members=tuple(
            MemberStats(m, posted_days[m.user_id], belonging_days[m.user_id])
            for m in members
            if belonging_days[m.user_id] or not dates
        ),
    )


def reminders_needed_by_date(
    team: str, runs: Iterable[FlowRunRecord | RunDetail]
) -> dict[str, int]:
    """How many members each recorded reminder run found needing a reminder, by standup date.

    A run is read from its summary (`FlowRunRecord.summary`, kept since the recorder
    writes one as a run ends); a run recorded before that comes as a `RunDetail`, and its
    task runs are summarized here the same way. Only complete runs of the reminder flow for
    `team` count: finished, for a known date, and past the mapping of `is_reminder_needed`
    (a run that failed before it says nothing about who had posted). When several runs
    were for one date, the latest started wins; a team that reminds each member in their
    own zone has a run per zone (its `zone` parameter), so the latest of each zone counts
    and they add up, unless a run for every member (no zone: by hand) was made that day.
    """
    best: dict[tuple[str, str | None], tuple[dt.datetime, int]] = {}
    for item in runs:
        run = item.run if isinstance(item, RunDetail) else item
        found = _reminders_needed(run, _summary_of(item), team)
        if found is None:
            continue
        date, needed = found
        zone = run.parameters.get("zone")
        key = (date, zone if isinstance(zone, str) else None)
        started = run.started_at or run.ended_at or _EPOCH
        if key not in best or started >= best[key][0]:
            best[key] = (started, needed)
    whole = {date: needed for (date, zone), (_, needed) in best.items() if zone is None}
    by_zone: dict[str, int] = {}
    for (date, zone), (_, needed) in best.items():
        if zone is not None and date not in whole:
            by_zone[date] = by_zone.get(date, 0) + needed
    return whole | by_zone


def has_summary(run: FlowRunRecord) -> bool:
    """Whether the run's record carries its summary (else read its task runs)."""
    return "tasks" in run.summary


def _summary_of(item: FlowRunRecord | RunDetail) -> dict[str, Any]:
    if isinstance(item, RunDetail):
        return item.run.summary if has_summary(item.run) else summarize(item.task_runs)
    return item.summary


def _reminders_needed(
    run: FlowRunRecord, summary: dict[str, Any], team: str
) -> tuple[str, int] | None:
    if run.flow != REMINDER_FLOW or run.parameters.get("team", DEFAULT_TEAM) != team:
        return None
    if run.ended_at is None or run.state in _UNFINISHED:
        return None
    tasks = summary.get("tasks", {})
    date = _run_date(run, tasks.get(STANDUP_DATE_TASK))
    checks = tasks.get(REMINDER_NEEDED_TASK)
    if date is None or checks is None or checks.get("state") != "Mapped":
        return None
    return date, int(checks.get("children", {}).get("Success", 0))


def _run_date(run: FlowRunRecord, standup_date: dict[str, Any] | None) -> str | None:
    """The standup a reminder run was for: what `get_standup_date` decided, else the
    `date` parameter it was given."""
    if standup_date is not None and "state" in standup_date:
        result = standup_date.get("result", "")
        if standup_date["state"] == "Success" and _is_date(result):
            return str(result)
    date = run.parameters.get("date")
    if isinstance(date, str) and _is_date(date):
        return date
    return None


def _is_date(value: str) -> bool:
    try:
        parse_date(value)
    except ValueError:
        return False
    return True


def _unique(members: Iterable[Member]) -> list[Member]:
    seen: set[str] = set()
    unique = []
    for member in members:
        if member.user_id not in seen:
            seen.add(member.user_id)
            unique.append(member)
    return unique


def _ratio(total: float, count: int) -> float:
    return total / count if count else 0.0
