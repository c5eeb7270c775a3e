"""`marvin team [list|add|remove|set|questions|holiday]`: teams, their schedules and their
members."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from marvin.cli.channel_check import check_channels
from marvin.cli.holidays import holiday_app
from marvin.cli.input import bad_option, option_value
from marvin.cli.member_zone import learn_zone
from marvin.cli.output import console, err, print_teams
from marvin.cli.questions import team_questions
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.clock import utc_now
from marvin.domain.digest_modes import parse_digest_mode
from marvin.domain.late_window import parse_late_until
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.names import check_channel, check_team_name, check_zone
from marvin.domain.nudge import MAX_NUDGE_BEFORE, check_nudge_before
from marvin.domain.standup import is_user_id, parse_days, parse_hhmm
from marvin.domain.team_holidays import parse_calendar
from marvin.domain.weekly import parse_weekly_report
from marvin.domain.zones import check_reminder_zone
from marvin.settings import load_settings
from marvin.store.teams import UnknownTeamError, default_team, membership_date, resolve_team

team_app = typer.Typer(help="Teams and their members.", no_args_is_help=True)
team_app.command("questions")(team_questions)
team_app.add_typer(holiday_app, name="holiday")


@team_app.command("list")
def team_list(workspace: WorkspaceOption = None) -> None:
    """Teams, their schedules and members."""
    from marvin.scheduler import teams_to_schedule

    with open_workspace(load_settings(), workspace) as marvin:
        teams = teams_to_schedule(marvin.store, marvin.settings)
        print_teams(console, [(t, marvin.store.list_members(t.name)) for t in teams])


@team_app.command("add")
def team_add(
    user_id: Annotated[str, typer.Argument(help="Slack user id, e.g. U0123ABC")],
    team: Annotated[str, typer.Option(help="team name")] = DEFAULT_TEAM,
    name: Annotated[str, typer.Option(help="display name")] = "",
    workspace: WorkspaceOption = None,
) -> None:
    """Add a member (or move them to another team)."""
    if not is_user_id(user_id):
        raise bad_option("USER_ID", f"expected a Slack user id like U0123ABC, got {user_id!r}")
    option_value("--team", check_team_name, team)
    with open_workspace(load_settings(), workspace) as marvin:
        store = marvin.store
        current = store.get_member(user_id)
        if current is not None and current.team == team:
            joined = current.joined_on  # a new name, the same membership
        else:
            joined = membership_date(store, marvin.settings, team, utc_now())
        store.save_member(Member(user_id=user_id, team=team, name=name, joined_on=joined))
        console.print(f"added {user_id} to team {team}")
        learn_zone(marvin, user_id)


@team_app.command("remove")
def team_remove(
    user_id: Annotated[str, typer.Argument(help="Slack user id")],
    workspace: WorkspaceOption = None,
) -> None:
    """Remove a member (kept, as a former member, for `marvin stats`)."""
    with open_workspace(load_settings(), workspace) as marvin:
        store = marvin.store
        current = store.get_member(user_id)
        try:
            left = None if current is None else membership_date(
                store, marvin.settings, current.team, utc_now())
        except UnknownTeamError:  # the team is gone: nothing to count them in
            left = None
        removed = current is not None and store.remove_member(user_id, left)
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
    digest_mode: Annotated[
        str | None, typer.Option(help="message (one digest) or thread (a reply per person)")
    ] = None,
    late_until: Annotated[
        str | None,
        typer.Option(help="late updates join the posted digest until: reminder, off, or "
                     "a duration after standup time such as 2h"),
    ] = None,
    holidays: Annotated[
        str | None,
        typer.Option(help="public holidays of a country, optionally a subdivision: US, GB-ENG, "
                     "DE-BY; none to have none (own days: marvin team holiday add)"),
    ] = None,
    reminder_zone: Annotated[
        str | None,
        typer.Option(help="team: remind everyone at --reminder-time in the team's zone; "
                     "member: in each member's own Slack zone (the digest stays in the "
                     "team's)"),
    ] = None,
    nudge_before: Annotated[
        int | None,
        typer.Option(help="minutes before standup for a short nudge DM to who has not "
                     f"posted (0 = no nudges, at most {MAX_NUDGE_BEFORE})"),
    ] = None,
    weekly_report: Annotated[
        str | None,
        typer.Option(help="post a weekly report to the channel: off, or a day and time "
                     "such as 'fri 16:00'"),
    ] = None,
    lead: Annotated[
        str | None,
        typer.Option(help="Slack user id DMed each blocker reported ('' for nobody)"),
    ] = None,
    blockers_channel: Annotated[
        str | None,
        typer.Option(help="channel each blocker reported is posted to ('' for none)"),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Create or change a team's schedule, channel, digest, reminder zones, nudges, weekly
    report, lead, blockers channel and holidays."""
    option_value("NAME", check_team_name, name)
    if channel is not None:
        option_value("--channel", check_channel, channel)
    if lead and not is_user_id(lead):
        raise bad_option("--lead", f"expected a Slack user id like U0123ABC, got {lead!r}")
    if blockers_channel:
        option_value("--blockers-channel", check_channel, blockers_channel)
    calendar = None if holidays is None else option_value("--holidays", parse_calendar, holidays)
    with open_workspace(load_settings(), workspace) as marvin:
        settings = marvin.settings
        try:
            current = resolve_team(marvin.store, settings, name)
        except UnknownTeamError:  # a new team starts from the settings' schedule
            current = replace(default_team(settings), name=name)
        updated = _changed_team(current, timezone, standup_time, reminder_time, days, channel)
        updated = _changed_digest(updated, digest_mode, late_until)
        if calendar is not None:
            updated = replace(updated, holidays=calendar)
        if reminder_zone is not None:
            updated = replace(updated, reminder_zone=option_value(
                "--reminder-zone", check_reminder_zone, reminder_zone))
        if nudge_before is not None:
            updated = replace(updated, nudge_before=option_value(
                "--nudge-before", lambda v: check_nudge_before(int(v)), str(nudge_before)))
        if weekly_report is not None:
            updated = replace(updated, weekly_report=option_value(
                "--weekly-report", parse_weekly_report, weekly_report))
        updated = replace(
            updated,
            lead=updated.lead if lead is None else lead,
            blockers_channel=(updated.blockers_channel if blockers_channel is None
                              else blockers_channel),
        )
        checks: list[tuple[str, str | None]] = [(option, value) for option, value in
                  (("--channel", channel), ("--blockers-channel", blockers_channel)) if value]
        if checks:  # checked with Slack when Slack is configured
            check_channels(marvin, checks)
        marvin.store.save_team(updated)
    console.print(f"saved team {name}")


def _changed_team(
    team: Team,
    timezone: str | None,
    standup_time: str | None,
    reminder_time: str | None,
    days: str | None,
    channel: str | None,
) -> Team:
    if timezone is not None:
        option_value("--timezone", check_zone, timezone)
    times: dict[str, str] = {}
    for label, value in (("standup_time", standup_time), ("reminder_time", reminder_time)):
        if value is not None:
            hour, minute = option_value("--" + label.replace("_", "-"), parse_hhmm, value)
            times[label] = f"{hour:02d}:{minute:02d}"
    return replace(
        team,
        timezone=timezone or team.timezone,
        days=option_value("--days", parse_days, days) if days is not None else team.days,
        channel=channel or team.channel,
        standup_time=times.get("standup_time", team.standup_time),
        reminder_time=times.get("reminder_time", team.reminder_time),
    )


def _changed_digest(team: Team, digest_mode: str | None, late_until: str | None) -> Team:
    if digest_mode is not None:
        digest_mode = option_value("--digest-mode", parse_digest_mode, digest_mode)
    if late_until is not None:
        late_until = option_value("--late-until", parse_late_until, late_until)
    return replace(
        team,
        digest_mode=digest_mode or team.digest_mode,
        late_until=late_until or team.late_until,
    )
