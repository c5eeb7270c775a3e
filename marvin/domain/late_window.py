"""The late window: until when an update posted after standup time joins the digest that
already went out, instead of the next standup's.

Pure date rules over `Team.late_until`, no store or clock (callers pass ``now``; whether the
digest is out is the caller's to ask). The rule, as the README states it:

- An update counts for the latest standup whose time has come (``last``) when it is made
  before ``last``'s window ends and ``last``'s digest is out: it is *late*, added to the
  posted digest. Otherwise it counts for the next standup still ahead, as always.
- ``late_until = "reminder"`` (the default): the window ends at the first reminder time
  after ``last``'s standup time, on a standup day (usually the next standup day's reminder);
  ``"off"``: no window; a duration (``"90m"``, ``"2h"``, ``"1h30m"``): that long after
  ``last``'s standup time. A window never reaches past the next standup's own time.

Example::

    team = Team(timezone="Europe/London", standup_time="09:00", reminder_time="08:30")
    late_date(team, pendulum.datetime(2026, 11, 26, 15, tz="Europe/London"))
    # -> "2026-11-26": Thursday's standup is over, its window lasts until Friday 08:30
"""

from __future__ import annotations

import datetime as dt
import re

from marvin.domain.models import Team
from marvin.domain.standup import (
    last_standup_date,
    local_instant,
    next_standup_date,
    parse_date,
    standup_instant,
)
from marvin.domain.team_holidays import is_holiday_for

__all__ = ["LATE_OFF", "LATE_REMINDER", "late_date", "late_window_end", "parse_late_until"]

LATE_REMINDER = "reminder"
LATE_OFF = "off"
MAX_LATE = dt.timedelta(days=7)  # a standup day recurs within a week: longer means nothing
_DURATION = re.compile(r"(?:([0-9]{1,3})h)?(?:([0-9]{1,5})m)?")


def parse_late_until(value: str) -> str:
    """A `Team.late_until` as stored: "reminder", "off", or a duration such as "2h",
    "90m", "1h30m" (normalised, e.g. "90m" stays "90m", "2H" becomes "2h").

    Raises:
        ValueError: anything else, with what is expected (the CLI shows it as it is).
    """
    text = value.strip().lower()
    if text in (LATE_REMINDER, LATE_OFF):
        return text
    if _duration(text) is None:
        raise ValueError(
            f"invalid late window {value!r}: expected reminder (until the next reminder), "
            "off, or a duration from 1m to 168h such as 90m, 2h or 1h30m"
        )
    return text


def late_window_end(team: Team, date: str) -> dt.datetime:
    """When updates stop joining ``date``'s posted digest (its standup time when "off").

    Raises:
        ValueError: a bad date, `late_until`, time, zone or no standup days.
    """
    start = standup_instant(team, date)
    next_standup = standup_instant(team, next_standup_date(team, date))
    mode = parse_late_until(team.late_until)
    if mode == LATE_OFF:
        return start
    if mode == LATE_REMINDER:
        end = _next_reminder(team, date, start)
    else:
        duration = _duration(mode)
        assert duration is not None  # parse_late_until checked it
        end = start + duration
    return min(end, next_standup, key=lambda instant: instant.timestamp())


def late_date(team: Team, now: dt.datetime) -> str | None:
    """The posted standup an update made at ``now`` may still join late, or None when
    ``now`` is past that standup's window (the update counts for the next standup).

    Only the date rule: whether that digest is actually out is the caller's question.
    """
    last = last_standup_date(team, now)
    end = late_window_end(team, last)
    return last if now.timestamp() < end.timestamp() else None


def _next_reminder(team: Team, date: str, after: dt.datetime) -> dt.datetime:
    """The first reminder instant after ``after``, on a standup day from ``date`` on that
    is not a team holiday: the reminder of the next standup (reminders fire on standup
    days at the reminder time, and not on holidays)."""
    start, holiday = parse_date(date), is_holiday_for(team)
    last = parse_date(next_standup_date(team, date))
    for offset in range((last - start).days + 2):
        day = start + dt.timedelta(days=offset)
        if day.weekday() in team.days and not holiday(day):
            instant = local_instant(team, day.isoformat(), team.reminder_time)
            if instant.timestamp() > after.timestamp():
                return instant
    raise AssertionError("unreachable: a standup day recurs within a week")  # pragma: no cover


def _duration(text: str) -> dt.timedelta | None:
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        return None
    hours, minutes = int(match[1] or 0), int(match[2] or 0)
    duration = dt.timedelta(hours=hours, minutes=minutes)
    return duration if dt.timedelta(minutes=1) <= duration <= MAX_LATE else None
