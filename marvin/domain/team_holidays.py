"""A team's holiday calendar: its country's public holidays plus its own days off.

Pure (the `holidays` package is data, no I/O): `holiday_name(team, date)` says whether a
date is a team holiday and what it is called; the date rules (`marvin.domain.standup`)
take `is_holiday_for(team)` so no standup, reminder or digest falls on one.

Example::

    team = Team(holidays="US", custom_holidays=(Holiday("2026-12-31", "Year end"),))
    holiday_name(team, "2026-12-25")   # "Christmas Day"
    holiday_name(team, "2026-12-31")   # "Year end"
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import holidays

from marvin.domain.models import Team

__all__ = ["check_holiday_name", "holiday_name", "is_holiday_for", "parse_calendar"]

MAX_HOLIDAY_NAME = 80
"""Longest custom holiday name: it is shown in run records and `marvin team holiday list`."""


def parse_calendar(value: str) -> str:
    """A country calendar as stored: "US", "DE-BY" (country, optional subdivision),
    upper-cased; "" or "none" for no public holidays.

    Raises:
        ValueError: a country or subdivision the `holidays` package does not know.
    """
    text = value.strip().upper()
    if text in ("", "NONE", "OFF"):
        return ""
    country, _, subdivision = text.partition("-")
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(
            f"unknown holiday country {value!r}: expected an ISO 3166 code such as US, GB "
            "or DE, optionally with a subdivision such as DE-BY, or none"
        )
    if subdivision and subdivision not in supported[country]:
        known = ", ".join(supported[country][:12]) or "none"
        raise ValueError(f"unknown subdivision {subdivision!r} of {country}: known are {known}")
    return text


def check_holiday_name(name: str) -> str:
    """A custom holiday's name, stripped; ValueError when blank or too long."""
    text = " ".join(name.split())
    if not text or len(text) > MAX_HOLIDAY_NAME:
        raise ValueError(f"a holiday name must be 1 to {MAX_HOLIDAY_NAME} characters")
    return text


def holiday_name(team: Team, date: str) -> str | None:
    """The name of the team holiday on `date` (YYYY-MM-DD), or None on a working day.
    A custom day wins over the country's name for the same date."""
    for holiday in team.custom_holidays:
        if holiday.date == date:
            return holiday.name
    if not team.holidays:
        return None
    day = dt.date.fromisoformat(date)
    return _public_holidays(team.holidays, day.year).get(day)


def is_holiday_for(team: Team) -> Callable[[dt.date], bool]:
    """The predicate the date rules take: is `day` one of `team`'s holidays?"""
    return lambda day: holiday_name(team, day.isoformat()) is not None


@functools.lru_cache(maxsize=64)
def _public_holidays(calendar: str, year: int) -> dict[dt.date, str]:
    # Building a country's calendar for a year costs ~1 ms; the date rules ask many times.
    country, _, subdivision = calendar.partition("-")
    days = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return {day: str(name) for day, name in days.items()}
