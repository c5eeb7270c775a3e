"""Reading the CLI's option values: every bad one is the same one-line usage error.

Marvin's parsers (dates, times, days, zones) raise `ValueError` with what was expected;
here that becomes click's `BadParameter` naming the option, which `marvin.cli.main.main`
prints as ``Error: Invalid value for '--date': ...`` and exits 2, exactly like the
errors Typer finds itself (a range, a missing argument). One style, whoever finds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TypeVar

import typer

from marvin.domain.models import Team
from marvin.domain.standup import format_days

T = TypeVar("T")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def bad_option(option: str, message: str) -> typer.BadParameter:
    """The usage error for `option` (e.g. ``--date``); `message` says what was expected."""
    return typer.BadParameter(message, param_hint=f"'{option}'")


def option_value(option: str, parse: Callable[[str], T], value: str) -> T:
    """``parse(value)``, or the usage error naming `option` with the parser's message."""
    try:
        return parse(value)
    except ValueError as exc:
        raise bad_option(option, str(exc)) from None


def check_choice(option: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise bad_option(option, f"expected {' or '.join(choices)}, got {value!r}")
    return value


def check_standup_day(team: Team, date: str) -> None:
    """Refuse a `--date` that is not one of the team's standup days: its run would cover
    a standup that never happens (nobody was reminded, nobody posted for it)."""
    weekday = dt.date.fromisoformat(date).weekday()
    if weekday not in team.days:
        raise bad_option(
            "--date",
            f"{date} is a {_WEEKDAYS[weekday]}, not a standup day of team {team.name!r} "
            f"({format_days(team.days)})",
        )
