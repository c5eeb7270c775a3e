"""A team's weekly report setting (`Team.weekly_report`) and the week a report covers.

Pure. ``"off"`` (the default) or a day and a local time, e.g. ``"fri 16:00"``: the report
is posted then, in the team's time zone, and covers the week (Monday to Sunday) of that day.

Example::

    >>> parse_weekly_report("Fri 16:00")
    'fri 16:00'
    >>> report_slot("fri 16:00")
    (4, '16:00')
    >>> week_of("2026-11-27")
    ('2026-11-23', '2026-11-29')
"""

from __future__ import annotations

import datetime as dt

from marvin.domain.standup import parse_date, parse_hhmm

WEEKLY_OFF = "off"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekly_report(value: str) -> str:
    """A `Team.weekly_report` as stored: "off", or "DAY HH:MM" (day mon..sun).

    Raises:
        ValueError: anything else, with an example.
    """
    text = " ".join(value.strip().lower().split())
    if text == WEEKLY_OFF:
        return text
    day, _, time = text.partition(" ")
    if (day in _DAYS or day in _FULL_DAYS) and time:
        try:
            hour, minute = parse_hhmm(time)
        except ValueError:
            pass
        else:
            return f"{day[:3]} {hour:02d}:{minute:02d}"
    raise ValueError(f"bad weekly report {value!r}: expected off or a day and a time, "
                     "e.g. fri 16:00")


def report_slot(value: str) -> tuple[int, str] | None:
    """(weekday, "HH:MM") of a stored setting (Monday is 0), or None when off."""
    setting = parse_weekly_report(value)
    if setting == WEEKLY_OFF:
        return None
    day, time = setting.split(" ")
    return _DAYS.index(day), time


def week_of(date: str) -> tuple[str, str]:
    """The Monday and Sunday (YYYY-MM-DD) of the week holding `date`."""
    day = parse_date(date)
    monday = day - dt.timedelta(days=day.weekday())
    return monday.isoformat(), (monday + dt.timedelta(days=6)).isoformat()
