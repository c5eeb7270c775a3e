"""The reminder-time tuner: recorded first posts replayed against earlier or later
reminder times, and the latest time that keeps reminders needed where they are.

Example::

    over = days_over(team, standup_days(team, a, b), utc_now())
    tuning = tune_summaries(team, day_summaries(store, team, over, utc_now()))
    tuning.recommended.label  # "08:45"

The assumption, stated wherever the result is shown (`ASSUMPTION`): a member who had
first posted before a candidate time would not have needed a reminder at it, and one who
had not would have. People who posted because of the reminder they actually got are
counted as having needed it at every later candidate, so for times after the current one
the estimate is an upper bound. Only days where every post's first time is known are
used (updates stored before first posts were kept are unknown, never guessed); members
who skipped a day or were away (time off, posting nothing) are not taking part that day.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from marvin.domain.day_summary import DaySummary, to_micros
from marvin.domain.models import Absence, Member, Team, Update
from marvin.domain.standup import parse_hhmm, standup_instant
from marvin.reports.day_summaries import summarize_dates

__all__ = ["ASSUMPTION", "STEP_MINUTES", "Candidate", "Tuning", "days_over", "reminder_offset",
           "tune_reminder", "tune_summaries"]

STEP_MINUTES = 15
MIN_WINDOW_MINUTES = 180  # candidates reach at least this far before standup
ASSUMPTION = (
    "a member who had first posted before a candidate time would not have needed a "
    "reminder at it; one who had not, would have (skipped and away days do not count)"
)


@dataclass(frozen=True)
class Candidate:
    """One reminder time: `minutes_before` standup, and the reminders it would have needed."""

    minutes_before: int
    label: str  # HH:MM on the team's clock (on a day without a DST change)
    needed: int  # summed over the days used
    days: int

    @property
    def mean(self) -> float:
        """Reminders needed on an average day."""
        return self.needed / self.days if self.days else 0.0


@dataclass(frozen=True)
class Tuning:
    """The replay's result: the curve (latest time first), the current time, the target and
    the recommendation (None when no day could be used)."""

    team: str
    days_used: int
    days_unknown: int  # standup days left out: some first post time unknown
    curve: tuple[Candidate, ...]
    current: Candidate
    target: float
    recommended: Candidate | None


def reminder_offset(team: Team) -> int:
    """Minutes from the team's reminder to its standup (a reminder at or after the standup
    time goes out the day before)."""
    sh, sm = parse_hhmm(team.standup_time)
    rh, rm = parse_hhmm(team.reminder_time)
    return (sh * 60 + sm - rh * 60 - rm - 1) % (24 * 60) + 1


def _label(team: Team, minutes_before: int) -> str:
    sh, sm = parse_hhmm(team.standup_time)
    at = (sh * 60 + sm - minutes_before) % (24 * 60)
    return f"{at // 60:02d}:{at % 60:02d}"


def tune_reminder(
    team: Team,
    members: Sequence[Member],
    updates: Iterable[Update],
    dates: Sequence[str],
    target: float | None = None,
    absences: Sequence[Absence] = (),
) -> Tuning:
    """`tune_summaries` over `dates` (standup dates that are over) summarized from
    `updates`; members away on a date (`absences`) are not counted on it."""
    summaries = summarize_dates(team, members, updates, (), dates, absences)
    return tune_summaries(team, summaries, target)


def tune_summaries(
    team: Team, summaries: Iterable[DaySummary], target: float | None = None
) -> Tuning:
    """Replay the days of `summaries` (standup dates that are over) for every candidate
    reminder time, every `STEP_MINUTES` from the window's start up to standup; recommend
    the latest candidate whose average reminders needed stays within `target` (default:
    what the current reminder time needs on the same days)."""
    current_offset = reminder_offset(team)
    window = max(MIN_WINDOW_MINUTES, -(-current_offset // STEP_MINUTES) * STEP_MINUTES)
    offsets = sorted({*range(STEP_MINUTES, window + 1, STEP_MINUTES), current_offset})
    needed = dict.fromkeys(offsets, 0)
    used = unknown = 0
    for day in summaries:
        if day.unknown_first_posts:
            unknown += 1
            continue
        if not day.posted + day.missed:  # nobody taking part (skipping, away are not)
            continue
        used += 1
        standup = standup_instant(team, day.date)
        times = day.first_posts  # sorted, epoch µs
        for offset in offsets:  # who had not posted by then: a binary search per candidate
            at = to_micros(standup - dt.timedelta(minutes=offset))
            needed[offset] += day.missed + len(times) - bisect.bisect_right(times, at)
    curve = tuple(Candidate(o, _label(team, o), needed[o], used) for o in offsets)
    current = next(c for c in curve if c.minutes_before == current_offset)
    goal = current.mean if target is None else target
    within = [c for c in curve if c.mean <= goal + 1e-9]
    recommended = within[0] if within and used else None
    return Tuning(team.name, used, unknown, curve, current, goal, recommended)


def days_over(team: Team, dates: Iterable[str], now: dt.datetime) -> list[str]:
    """The dates of `dates` whose standup time has come at `now`: the ones with a full
    record of who posted when."""
    return [d for d in dates if standup_instant(team, d) <= now]
