"""`marvin runs [show ID | prune]` and `marvin stats`: what ran, and how standup is going.

Registered on the main app by `marvin.cli.main`, whose `main()` turns settings, store and
input errors into one line; here only "no such run" needs saying (exit 1).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pendulum
import typer
from rich.text import Text

from flows import FLOW_NAMES
from marvin.cli.input import bad_option, check_choice, option_value
from marvin.cli.output import console, err, print_run_detail, print_run_list, print_team_stats
from marvin.cli.tune import print_tuning, team_tuning
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.clock import utc_now
from marvin.domain.models import Team
from marvin.domain.standup import standup_days
from marvin.history.retention import prune_runs, retention_cutoff
from marvin.reports.reminder_runs import reminder_runs
from marvin.reports.stats import TeamStats, team_stats
from marvin.settings import load_settings
from marvin.store import Store
from marvin.store.run_records import FlowRunRecord, RunDetail
from marvin.store.teams import resolve_team

runs_app = typer.Typer(help="Recorded flow runs: list them, show one, prune old ones.")

STATS_DAYS = 30  # the default range of `marvin stats`, ending today


@runs_app.callback(invoke_without_command=True)
def runs_list(
    ctx: typer.Context,
    flow: Annotated[str | None, typer.Option(help="only this flow's runs, e.g. reminder")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 20,
    workspace: WorkspaceOption = None,
) -> None:
    """Recorded runs, newest first (`marvin runs show ID` for one)."""
    if ctx.invoked_subcommand is not None:
        return
    if flow is not None:
        check_choice("--flow", flow, FLOW_NAMES)  # a typo would list nothing, silently
    with open_workspace(load_settings(), workspace) as marvin:
        runs = marvin.history_without_dead_runs().list_flow_runs(flow=flow, limit=limit)
    print_run_list(console, runs)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="a run id, or its first 6 or more characters")],
    workspace: WorkspaceOption = None,
) -> None:
    """One run: its task runs (mapped children, logs) and the calls it made."""
    with open_workspace(load_settings(), workspace) as marvin:
        detail = marvin.history_without_dead_runs().get_run(run_id.strip())
    if detail is None:
        err.print(
            Text.assemble(("Error: ", "red"), f"no run with id {run_id!r}; see `marvin runs`"),
            highlight=False,
        )
        raise typer.Exit(1)
    print_run_detail(console, detail)


@runs_app.command("prune")
def runs_prune(
    days: Annotated[
        int | None,
        typer.Option(min=1, max=3650, help="days to keep (default MARVIN_RUN_RETENTION_DAYS)"),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Delete runs older than the retention period now (the server also does it hourly)."""
    settings = load_settings()
    keep = days if days is not None else settings.run_retention_days
    now = utc_now()
    with open_workspace(settings, workspace) as marvin:
        deleted = prune_runs(marvin.history_without_dead_runs(), now, keep)
    cutoff = retention_cutoff(now, keep).strftime("%Y-%m-%d %H:%M UTC")
    retention = f"{keep} day" if keep == 1 else f"{keep} days"
    console.print(f"deleted {deleted} run(s) started before {cutoff} (retention: {retention})")


def stats_command(
    team: Annotated[str | None, typer.Option(help="one team (default: every team)")] = None,
    since: Annotated[str | None, typer.Option(help="first date YYYY-MM-DD")] = None,
    until: Annotated[str | None, typer.Option(help="last date YYYY-MM-DD (default: today)")] = None,
    daily: Annotated[bool, typer.Option("--daily", help="also show each standup day")] = False,
    tune_reminder: Annotated[bool, typer.Option(
        "--tune-reminder", help="replay first posts against other reminder times")] = False,
    target: Annotated[float | None, typer.Option(
        min=0, help="with --tune-reminder: reminders per day to keep within "
        "(default: what the current time needs)")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Participation, reminders needed and digest size (default: the last 30 days)."""
    from flows.common import check_date
    from marvin.scheduler import teams_to_schedule

    since = option_value("--since", check_date, since) if since is not None else None
    until = option_value("--until", check_date, until) if until is not None else None
    if target is not None and not tune_reminder:
        raise bad_option("--target", "only with --tune-reminder")
    with open_workspace(load_settings(), workspace) as marvin:
        store, settings = marvin.store, marvin.settings
        if team is not None:
            teams = [resolve_team(store, settings, team)]
        else:
            teams = teams_to_schedule(store, settings)
        ranges = {t.name: _range(t, since, until) for t in teams}
        if tune_reminder:
            for number, one in enumerate(teams):
                start, end = ranges[one.name]
                if number:
                    console.print()
                print_tuning(console, one, team_tuning(store, one, start, end, target),
                             start, end)
            return
        earliest = min(start for start, _ in ranges.values())
        runs = reminder_runs(marvin.history_without_dead_runs(), set(ranges), earliest)
        for number, one in enumerate(teams):
            start, end = ranges[one.name]
            if number:
                console.print()
            print_team_stats(console, _team_stats(store, one, runs, start, end), daily=daily)


def _range(team: Team, since: str | None, until: str | None) -> tuple[str, str]:
    """[since, until], defaulting to the `STATS_DAYS` days up to today in the team's zone."""
    if until is None:
        # pendulum: a bad stored zone is a ValueError (one line), not a KeyError
        until = pendulum.instance(utc_now()).in_timezone(team.timezone).date().isoformat()
    if since is None:
        since = (dt.date.fromisoformat(until) - dt.timedelta(days=STATS_DAYS - 1)).isoformat()
    return since, until


def _team_stats(
    store: Store, team: Team, runs: list[FlowRunRecord | RunDetail], start: str, end: str
) -> TeamStats:
    updates = {date: store.list_updates(team.name, date) for date in standup_days(team, start, end)}
    members = store.list_members(team.name, include_former=True)  # counted while they belonged
    absences = store.absences_from(start)  # away days are not counted
    return team_stats(team, members, updates, runs, start, end, absences)
