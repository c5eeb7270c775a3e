"""`marvin serve`, `marvin run FLOW` and `marvin schedule`: running flows, on schedule or by hand.

Registered on the main app by `marvin.cli.main`, whose `main()` turns settings, store and
input errors into one line and an exit code.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from flows import SCHEDULED_FLOWS
from marvin.app import Marvin
from marvin.cli.channel_check import check_channels
from marvin.cli.input import bad_option, check_choice, check_standup_day, option_value
from marvin.cli.output import console, print_run, print_schedule
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.clock import utc_now
from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.domain.names import check_channel
from marvin.domain.run_names import REMINDER_FLOW, STANDUP_FLOW, WEEKLY_REPORT_FLOW
from marvin.settings import load_settings
from marvin.store.teams import resolve_team


def serve() -> None:
    """Serve Slack's requests and run every team's flows on schedule."""
    from marvin.web.serve import serve as run_server

    def check_configured_channels(marvin: Marvin) -> None:
        if marvin.settings.oauth_mode:  # no workspace's token at start: each has its own
            return
        checks = [("MARVIN_ALERT_CHANNEL", marvin.settings.alert_channel)]
        if marvin.store.get_team(DEFAULT_TEAM) is None:
            checks.append(("MARVIN_STANDUP_CHANNEL", marvin.settings.standup_channel))
        check_channels(marvin, checks)

    run_server(load_settings(), preflight=check_configured_channels)


def run_command(
    flow: Annotated[str, typer.Argument(help=" or ".join(SCHEDULED_FLOWS))],
    channel: Annotated[
        str | None, typer.Option(help="standup and weekly_report: where to post (default "
                                 "#testing by hand)")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(help="standup date YYYY-MM-DD (default: reminder, the next standup; "
                     "standup, the latest one)"),
    ] = None,
    team: Annotated[str, typer.Option(help="team name")] = DEFAULT_TEAM,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print what would be sent")] = False,
    force: Annotated[bool, typer.Option("--force", help="send again even if already sent")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Run a flow now, off-schedule; exit 0 when its reference tasks succeed."""
    from flows.common import check_date

    check_choice("FLOW", flow, SCHEDULED_FLOWS)
    if date is not None:
        date = option_value("--date", check_date, date)
    params: dict[str, object] = {"team": team, "date": date, "force": force}
    if flow in (STANDUP_FLOW, WEEKLY_REPORT_FLOW):
        params["standup_channel"] = option_value("--channel", check_channel, channel or "#testing")
    elif channel is not None:
        raise bad_option("--channel", "only the standup and weekly_report flows post to a "
                         "channel")
    with open_workspace(load_settings(), workspace, dry_run=dry_run) as marvin:
        store = marvin.store  # opened first, so a bad MARVIN_STORE is the first thing said
        if not dry_run:  # a dry run sends nothing, so records nothing
            marvin.history_without_dead_runs()
        the_team = resolve_team(store, marvin.settings, team)
        if date is not None and flow != WEEKLY_REPORT_FLOW:  # a report's week: any day
            check_standup_day(the_team, date)
        if not dry_run:  # a channel that does not exist is one line now, not a failed run
            checks = [("MARVIN_ALERT_CHANNEL", marvin.settings.alert_channel)]
            if flow != REMINDER_FLOW and channel is not None:
                checks.append(("--channel", channel))
            check_channels(marvin, checks)
        if flow == STANDUP_FLOW and not _standup_by_hand(marvin, the_team, params, force):
            raise typer.Exit(0)
        result = marvin.run_flow(flow, params)
    print_run(console, result)
    raise typer.Exit(0 if result.state.is_successful() else 1)


def _standup_by_hand(marvin: Marvin, team: Team, params: dict[str, object], force: bool) -> bool:
    """Say which standup the run covers (fixing it in `params`); False, having said why,
    when the schedule already posted that digest to the team's channel and not `force`."""
    from marvin.cli.by_hand import describe_cover, describe_earlier, digest_date, scheduled_digest

    given = params["date"]
    date = digest_date(team, utc_now(), given if isinstance(given, str) else None)
    params["date"] = date
    console.print(Text("covers the " + describe_cover(team, date, str(params["standup_channel"]))),
                  soft_wrap=True)
    if params["standup_channel"] == team.channel:
        return True  # to the team's own channel, the delivery claim decides (and resumes)
    earlier = scheduled_digest(marvin.store, team, date)
    if earlier is not None and not force:
        console.print(Text(describe_earlier(team, earlier)), soft_wrap=True)
        return False
    return True


def schedule(
    next: Annotated[int, typer.Option("--next", min=1, max=1000)] = 10,
    workspace: WorkspaceOption = None,
) -> None:
    """Show the next scheduled runs of every team's flows (reminders per member zone)."""
    from marvin.scheduler import member_zones, teams_to_schedule, upcoming

    with open_workspace(load_settings(), workspace) as marvin:
        teams = teams_to_schedule(marvin.store, marvin.settings)
        zones = member_zones(marvin.store, teams)
        runs = upcoming(teams, next, after=utc_now(), zones=zones)
    print_schedule(console, runs)
