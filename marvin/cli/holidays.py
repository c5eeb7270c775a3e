"""`marvin team holiday [add|remove|list]`: a team's own days off, on top of its country's.

The country calendar is a team setting (`marvin team set TEAM --holidays US`); these are
the days it does not know (a company day off, a shutdown). No reminders and no digest on
either kind (`marvin.domain.team_holidays`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

import typer

from marvin.cli.input import bad_option, option_value
from marvin.cli.output import console, err
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.clock import utc_now
from marvin.domain.models import Holiday, Team
from marvin.domain.names import check_team_name
from marvin.domain.standup import parse_date
from marvin.domain.team_holidays import check_holiday_name, holiday_name
from marvin.settings import Settings, load_settings
from marvin.store.base import Store
from marvin.store.teams import UnknownTeamError, resolve_team

holiday_app = typer.Typer(help="A team's own holidays (on top of --holidays COUNTRY).",
                          no_args_is_help=True)
MAX_CUSTOM_HOLIDAYS = 500  # years of company days off; a team record stays small
_TeamName = Annotated[str, typer.Argument(help="team name")]
_Date = Annotated[str, typer.Argument(help="YYYY-MM-DD")]


@holiday_app.command("add")
def holiday_add(
    team: _TeamName,
    date: _Date,
    name: Annotated[str, typer.Option(help="what the day is called")] = "Team holiday",
    workspace: WorkspaceOption = None,
) -> None:
    """Add a day off for the whole team (no reminders, no digest)."""
    day = option_value("DATE", parse_date, date).isoformat()
    label = option_value("--name", check_holiday_name, name)
    with open_workspace(load_settings(), workspace) as marvin:
        current = _team(marvin.store, marvin.settings, team)
        kept = [h for h in current.custom_holidays if h.date != day]
        if len(kept) >= MAX_CUSTOM_HOLIDAYS:
            raise bad_option("DATE", f"team {team!r} has {len(kept)} holidays already; "
                             f"remove past ones first (at most {MAX_CUSTOM_HOLIDAYS})")
        days = tuple(sorted([*kept, Holiday(day, label)], key=lambda h: h.date))
        marvin.store.save_team(replace(current, custom_holidays=days))
    console.print(f"team {team}: {day} is a holiday ({label})", markup=False, highlight=False)


@holiday_app.command("remove")
def holiday_remove(team: _TeamName, date: _Date, workspace: WorkspaceOption = None) -> None:
    """Remove one of the team's own holidays (the country's cannot be removed)."""
    day = option_value("DATE", parse_date, date).isoformat()
    with open_workspace(load_settings(), workspace) as marvin:
        current = _team(marvin.store, marvin.settings, team)
        kept = tuple(h for h in current.custom_holidays if h.date != day)
        if len(kept) == len(current.custom_holidays):
            err.print(f"{day} is not one of team {team}'s own holidays", markup=False)
            raise typer.Exit(1)
        marvin.store.save_team(replace(current, custom_holidays=kept))
    console.print(f"team {team}: {day} is no longer a holiday", markup=False, highlight=False)


@holiday_app.command("list")
def holiday_list(
    team: _TeamName,
    year: Annotated[int | None, typer.Option(help="the country's holidays of this year "
                                             "too (default: this year)")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """The team's country calendar and holidays: its own days and the country's."""
    with open_workspace(load_settings(), workspace) as marvin:
        current = _team(marvin.store, marvin.settings, team)
    shown_year = year or utc_now().year
    calendar = current.holidays or "none"
    console.print(f"team {team}: country calendar {calendar}", markup=False, highlight=False)
    for day, name, kind in _holidays_of(current, shown_year):
        console.print(f"{day}  {name}  ({kind})", markup=False, highlight=False)


def _holidays_of(team: Team, year: int) -> list[tuple[str, str, str]]:
    own = {h.date: h.name for h in team.custom_holidays}
    rows = [(day, name, "team") for day, name in own.items()]
    if team.holidays:
        plain = replace(team, custom_holidays=())
        first = dt.date(year, 1, 1)
        for offset in range((dt.date(year + 1, 1, 1) - first).days):
            day = (first + dt.timedelta(days=offset)).isoformat()
            name = holiday_name(plain, day)
            if name is not None and day not in own:
                rows.append((day, name, team.holidays))
    return sorted(rows)


def _team(store: Store, settings: Settings, name: str) -> Team:
    option_value("TEAM", check_team_name, name)
    try:
        return resolve_team(store, settings, name)
    except UnknownTeamError:
        raise bad_option("TEAM", f"no team {name!r}: create it with `marvin team set "
                         f"{name}`") from None
