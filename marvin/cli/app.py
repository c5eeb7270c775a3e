"""`marvin`: serve, run flows by hand, show schedules, manage teams, runs and stats.

Every command turns bad settings or input into one clear line and an exit code, never
a traceback: the person at the terminal is setting Marvin up, not debugging it.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer
from rich.console import Console

from marvin.app import build_history, build_services, build_store, run_flow
from marvin.cli.input import (
    bad_option,
    check_choice,
    check_standup_day,
    check_zone,
    option_value,
)
from marvin.cli.output import print_run, print_schedule, print_teams
from marvin.cli.runs import runs_app, stats_command
from marvin.domain.clock import utc_now
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.standup import parse_days, parse_hhmm
from marvin.engine import FlowValidationError
from marvin.history.recovery import close_dead_runs
from marvin.settings import Settings, SettingsError, load_settings
from marvin.store import Store, StoreError
from marvin.store.teams import UnknownTeamError, membership_date, resolve_team

app = typer.Typer(
    name="marvin",
    help="Marvin: a Slack standup bot.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() turns errors into one line; never a traceback
)
team_app = typer.Typer(help="Teams and their members.", no_args_is_help=True)
app.add_typer(team_app, name="team")
console = Console()
err = Console(stderr=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def serve() -> None:
    """Serve Slack's requests and run every team's flows on schedule."""
    from marvin.web.serve import serve as run_server

    settings = load_settings()

    def check_channels(store: Store) -> None:
        checks = [("MARVIN_ALERT_CHANNEL", settings.alert_channel)]
        if store.get_team(DEFAULT_TEAM) is None:
            checks.append(("MARVIN_STANDUP_CHANNEL", settings.standup_channel))
        _check_channels(settings, store, checks)

    run_server(settings, preflight=check_channels)


@app.command("run")
def run_command(
    flow: Annotated[str, typer.Argument(help="reminder or standup")],
    channel: Annotated[
        str | None, typer.Option(help="standup only: where to post (default #testing by hand)")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(help="standup date YYYY-MM-DD (default: reminder, the next standup; "
                     "standup, the latest one)"),
    ] = None,
    team: Annotated[str, typer.Option(help="team name")] = DEFAULT_TEAM,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print what would be sent")] = False,
    force: Annotated[bool, typer.Option("--force", help="send again even if already sent")] = False,
) -> None:
    """Run a flow now, off-schedule; exit 0 when its reference tasks succeed."""
    from flows import FLOW_NAMES
    from flows.common import check_date

    check_choice("FLOW", flow, FLOW_NAMES)
    if date is not None:
        date = option_value("--date", check_date, date)
    params: dict[str, object] = {"team": team, "date": date, "force": force}
    if flow == "standup":
        params["standup_channel"] = channel or "#testing"
    elif channel is not None:
        raise bad_option("--channel", "only the standup flow posts to a channel")
    settings = load_settings()
    store = build_store(settings)
    history = None if dry_run else build_history(settings)  # a dry run sends nothing: no record
    if history is not None:
        close_dead_runs(history, utc_now())
    try:
        the_team = resolve_team(store, settings, team)
        if date is not None:
            check_standup_day(the_team, date)
        if not dry_run:  # a channel that does not exist is one line now, not a failed run
            checks = [("MARVIN_ALERT_CHANNEL", settings.alert_channel)]
            if flow == "standup" and channel is not None:
                checks.append(("--channel", channel))
            _check_channels(settings, store, checks)
        if flow == "standup" and not _standup_by_hand(store, the_team, params, force):
            raise typer.Exit(0)
        services = build_services(settings, store, dry_run=dry_run)
        result = run_flow(flow, params, services, history=history)
    finally:
        store.close()
        if history is not None:
            history.close()
    print_run(console, result)
    raise typer.Exit(0 if result.state.is_successful() else 1)


def _standup_by_hand(store: Store, team: Team, params: dict[str, object], force: bool) -> bool:
    """Say which standup the run covers (fixing it in `params`); False, having said why,
    when the schedule already posted that digest to the team's channel and not `force`."""
    from rich.text import Text

    from marvin.cli.by_hand import describe_cover, describe_earlier, digest_date, scheduled_digest

    given = params["date"]
    date = digest_date(team, utc_now(), given if isinstance(given, str) else None)
    params["date"] = date
    console.print(Text("covers the " + describe_cover(team, date, str(params["standup_channel"]))),
                  soft_wrap=True)
    if params["standup_channel"] == team.channel:
        return True  # to the team's own channel, the delivery claim decides (and resumes)
    earlier = scheduled_digest(store, team, date)
    if earlier is not None and not force:
        console.print(Text(describe_earlier(team, earlier)), soft_wrap=True)
        return False
    return True


@app.command()
def doctor() -> None:
    """Check the setup (Slack token, scopes, channels, members, store) and say what to fix."""
    from rich.text import Text

    from marvin.cli.doctor import run_checks
    from marvin.scheduler import teams_to_schedule

    settings = load_settings()
    workspace = None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if token:
        from marvin.slack.workspace import SlackWorkspace

        workspace = SlackWorkspace(token, settings.slack_api_url, max_retries=1)
    checks = run_checks(
        settings,
        lambda: build_store(settings),
        lambda: build_history(settings),
        workspace,
        lambda store: teams_to_schedule(store, settings),
    )
    for check in checks:
        mark = ("✓", "green") if check.ok else ("✗", "red")
        console.print(Text.assemble(mark, f" {check.name}: {check.detail}"), soft_wrap=True)
        if not check.ok:
            console.print(Text(f"    fix: {check.fix}"), soft_wrap=True)
    failed = sum(not c.ok for c in checks)
    console.print(f"{failed} of {len(checks)} checks failed" if failed
                  else f"all {len(checks)} checks passed")
    raise typer.Exit(1 if failed else 0)


@app.command()
def schedule(next: Annotated[int, typer.Option("--next", min=1, max=1000)] = 10) -> None:
    """Show the next scheduled runs of every team's flows."""
    from marvin.scheduler import teams_to_schedule, upcoming

    settings = load_settings()
    store = build_store(settings)
    try:
        runs = upcoming(teams_to_schedule(store, settings), next, after=utc_now())
    finally:
        store.close()
    print_schedule(console, runs)


@team_app.command("list")
def team_list() -> None:
    """Teams, their schedules and members."""
    from marvin.scheduler import teams_to_schedule

    settings = load_settings()
    store = build_store(settings)
    try:
        teams = teams_to_schedule(store, settings)
        print_teams(console, [(t, store.list_members(t.name)) for t in teams])
    finally:
        store.close()


@team_app.command("add")
def team_add(
    user_id: Annotated[str, typer.Argument(help="Slack user id, e.g. U0123ABC")],
    team: Annotated[str, typer.Option(help="team name")] = DEFAULT_TEAM,
    name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Add a member (or move them to another team)."""
    from marvin.domain.standup import is_user_id

    if not is_user_id(user_id):
        raise bad_option("USER_ID", f"expected a Slack user id like U0123ABC, got {user_id!r}")
    settings = load_settings()
    store = build_store(settings)
    try:
        current = store.get_member(user_id)
        if current is not None and current.team == team:
            joined = current.joined_on  # a new name, the same membership
        else:
            joined = membership_date(store, settings, team, utc_now())
        store.save_member(Member(user_id=user_id, team=team, name=name, joined_on=joined))
    finally:
        store.close()
    console.print(f"added {user_id} to team {team}")


@team_app.command("remove")
def team_remove(user_id: Annotated[str, typer.Argument(help="Slack user id")]) -> None:
    """Remove a member (kept, as a former member, for `marvin stats`)."""
    settings = load_settings()
    store = build_store(settings)
    try:
        current = store.get_member(user_id)
        try:
            left = None if current is None else membership_date(
                store, settings, current.team, utc_now())
        except UnknownTeamError:  # the team is gone: nothing to count them in
            left = None
        removed = current is not None and store.remove_member(user_id, left)
    finally:
        store.close()
    if not removed:
        err.print(f"{user_id} is not a member")
        raise typer.Exit(1)
    console.print(f"removed {user_id}")


@team_app.command("set")
def team_set(
    name: Annotated[str, typer.Argument(help="team name")],
    timezone: Annotated[str | None, typer.Option(help="IANA zone, e.g. Europe/London")] = None,
    standup_time: Annotated[str | None, typer.Option(help="HH:MM")] = None,
    reminder_time: Annotated[str | None, typer.Option(help="HH:MM")] = None,
    days: Annotated[str | None, typer.Option(help="e.g. mon-fri, mon,wed,fri")] = None,
    channel: Annotated[str | None, typer.Option(help="digest channel, e.g. #general")] = None,
) -> None:
    """Create or change a team's schedule and channel."""
    settings = load_settings()
    store = build_store(settings)
    try:
        try:
            current = resolve_team(store, settings, name)
        except UnknownTeamError:
            current = Team(
                name=name,
                timezone=settings.timezone,
                standup_time=settings.standup_time,
                reminder_time=settings.reminder_time,
                days=parse_days(settings.standup_days),
                channel=settings.standup_channel,
            )
        updated = _changed_team(current, timezone, standup_time, reminder_time, days, channel)
        if channel is not None:  # checked with Slack when Slack is configured
            _check_channels(settings, store, [("--channel", channel)])
        store.save_team(updated)
    finally:
        store.close()
    console.print(f"saved team {name}")


def _check_channels(
    settings: Settings, store: Store, channels: list[tuple[str, str | None]]
) -> None:
    """Resolve each configured channel with Slack (keeping its id in the store).

    Raises:
        ValueError: one line naming the option or variable, when Slack has no such
            channel for Marvin (it does not exist, or is private without the bot).
    """
    from marvin.app import build_chat
    from marvin.delivery.channels import ChannelProblem, resolve_channel
    from marvin.slack.protocol import SlackError

    wanted = [(label, value) for label, value in channels if value]
    token = settings.slack_bot_token
    if not wanted or token is None or not token.get_secret_value():
        return  # without Slack there is nothing to ask; the command says what it needs
    chat = build_chat(settings)
    for label, value in wanted:
        assert value is not None
        try:
            resolve_channel(chat, store, value, fresh=True)
        except ChannelProblem as exc:
            raise ValueError(f"{label}: {exc}") from None
        except SlackError as exc:  # Slack cannot be asked now: the run will say more
            err.print(f"{label}: could not check {value} with Slack now ({exc.error}); "
                      "`marvin doctor` checks it", highlight=False, soft_wrap=True)
            return


def _changed_team(
    team: Team,
    timezone: str | None,
    standup_time: str | None,
    reminder_time: str | None,
    days: str | None,
    channel: str | None,
) -> Team:
    from dataclasses import replace

    if timezone is not None:
        option_value("--timezone", check_zone, timezone)
    times = {}
    for label, value in (("standup_time", standup_time), ("reminder_time", reminder_time)):
        if value is not None:
            hour, minute = option_value("--" + label.replace("_", "-"), parse_hhmm, value)
            times[label] = f"{hour:02d}:{minute:02d}"
    return replace(
        team,
        timezone=timezone or team.timezone,
        days=option_value("--days", parse_days, days) if days is not None else team.days,
        channel=channel or team.channel,
        **times,
    )


# `marvin runs [show|prune]` and `marvin stats` live in `marvin.cli.runs`; listed last in --help.
app.add_typer(runs_app, name="runs")
app.command("stats")(stats_command)


def _fail(kind: str, exc: BaseException | str) -> None:
    """One line on stderr; the message is shown as typed (never read as rich markup)."""
    from rich.text import Text

    err.print(Text.assemble((f"{kind}: ", "red"), str(exc)), highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point: every error, Typer's usage errors included, becomes one line on stderr
    (what was wrong, with the option or variable and what was expected) and exit 2; a
    store that fails is exit 3."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # click's errors, as vendored by Typer
        if type(exc).__name__ == "NoArgsIsHelpError":  # `marvin team`: the help, as asked
            exc.show()  # type: ignore[attr-defined]
        else:
            _fail("Error", _usage_message(exc))
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("Aborted")
        sys.exit(1)
    except SettingsError as exc:
        _fail("Configuration error", exc)
        sys.exit(2)
    except (UnknownTeamError, FlowValidationError, ValueError) as exc:
        _fail("Error", exc)
        sys.exit(2)
    except StoreError as exc:
        _fail("Store error", exc)
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_message(exc: typer.TyperException) -> str:
    """Click's message, with where to read more: ``... (see `marvin team set --help`)``."""
    message = exc.format_message().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None and exc.exit_code == 2:
        message += f" (see `{ctx.command_path} --help`)"
    return message
