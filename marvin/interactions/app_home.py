"""The App Home tab: what one person sees when they open Marvin in Slack.

Built as Block Kit JSON from the store alone (no Slack calls), for `views.publish`:

- your update for your team's active standup date, with a button to write or edit it;
- your team, its next standup in your own time zone, and who has posted so far;
- your last standups (posted, away, skipped, missed), your streak, and a link to the
  team's latest weekly report (`marvin.interactions.home_recent`);
- your time off, with buttons to plan more (a small modal) and to come back;
- Join (when you are in no team) or Leave;
- for admins, every team's schedule with a button that opens its edit modal.

Slack refuses a Home view of more than 100 blocks, so long lists collapse into counts:
names past `MAX_NAMES` become "and N more", teams past what fits become one line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pendulum

from marvin.domain.digest import escape_mrkdwn, update_body
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Team, Update
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import MAX_BLOCKS_PER_VIEW, MAX_SECTION_TEXT
from marvin.domain.standup import (
    format_date,
    format_days,
    is_blank_update,
    standup_instant,
)
from marvin.interactions.home_recent import (
    HISTORY_HINT,
    recent_standups_text,
    weekly_report_line,
)
from marvin.interactions.time_off import member_today, not_over, time_off_lines
from marvin.interactions.update_date import update_date
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.store.teams import UnknownTeamError, resolve_team

HOME_EDIT_UPDATE = "home.edit_update"
HOME_JOIN = "home.join"
HOME_LEAVE = "home.leave"
HOME_EDIT_SCHEDULE = "home.edit_schedule"
HOME_AWAY = "home.away"
HOME_BACK = "home.back"
MAX_TIME_OFF_LINES = 10  # planned time off listed on the tab; `/standup away` lists all
HOME_EDIT_QUESTIONS = "home.edit_questions"

MAX_NAMES = 30  # names listed before "and N more": a long list is unreadable anyway
MAX_JOIN_BUTTONS = 5  # more teams than that: one select menu instead of a row of buttons
MAX_SELECT_OPTIONS = 100  # Slack's limit for a static_select
BLOCKS_PER_TEAM = 3  # an admin's view of one team: schedule, questions, a divider


@dataclass(frozen=True)
class Viewer:
    """Who opened the Home tab, as far as Marvin can tell.

    `timezone` is the IANA name Slack gives in ``users.info`` (None when Slack did not
    answer: times are then shown in the team's zone). `is_admin` is True only when it is
    known: a workspace admin or owner per ``users.info``, or listed in MARVIN_ADMINS.
    """

    user_id: str
    timezone: str | None = None
    is_admin: bool = False


@dataclass(frozen=True)
class Notice:
    """A line shown at the top of the tab after an action (joined, left, saved...)."""

    text: str


def home_view(
    store: Store, settings: Settings, viewer: Viewer, now: dt.datetime,
    notice: Notice | None = None,
) -> dict[str, Any]:
    """The Home tab for `viewer` at `now`, within Slack's 100-block limit."""
    blocks: list[dict[str, Any]] = [_header("Marvin standup")]
    if notice is not None:
        blocks.append(_context(notice.text))
    member = store.get_member(viewer.user_id)
    team = _team_of(store, settings, member)
    if member is not None and team is not None:
        blocks += _your_standup(store, team, member, viewer, now)
    else:
        blocks += _join_offer(store, member)
    if viewer.is_admin:
        blocks += _admin_section(store, settings, room=MAX_BLOCKS_PER_VIEW - len(blocks))
    return {"type": "home", "blocks": blocks}


# You -------------------------------------------------------------------------------------------


def _team_of(store: Store, settings: Settings, member: Member | None) -> Team | None:
    if member is None:
        return None
    try:
        return resolve_team(store, settings, member.team)
    except UnknownTeamError:  # their team was deleted under them: offer to join another
        return None


def _your_standup(
    store: Store, team: Team, member: Member, viewer: Viewer, now: dt.datetime
) -> list[dict[str, Any]]:
    date = update_date(store, team, now).date
    updates = store.list_updates(team.name, date)
    mine = next((u for u in updates if u.user_id == member.user_id), None)
    has_update = mine is not None and not is_blank_update(mine)
    body = update_body(mine) if has_update and mine else "_Nothing yet._"
    title = f"*Your update for {format_date(date)}* (team *{escape_mrkdwn(team.name)}*)\n"
    # its value is the date, as on the reminder's button: a tab left open past standup
    # time says the date has gone rather than opening the wrong day's form
    edit = _button("Edit" if has_update else "Write my update", HOME_EDIT_UPDATE, date,
                   primary=not has_update)
    absences = store.list_absences(member.user_id)  # read once, for both sections
    return [
        {**_section(clip(title + body, MAX_SECTION_TEXT)), "accessory": edit},
        _context(_next_standup(team, date, viewer)),
        _context(_posted_so_far(store, team, date, updates)),
        {"type": "actions", "elements": [_leave_button(team)]},
        {"type": "divider"},
        *_recent_section(store, team, member, date, absences),
        *_away_section(store, team, member, now, absences),
    ]


def _recent_section(store: Store, team: Team, member: Member, date: str,
                    absences: Sequence[Absence]) -> list[dict[str, Any]]:
    """Your last standups and streak, where to read what you wrote, the weekly report."""
    text = recent_standups_text(store, team, member, date, absences)
    report = weekly_report_line(store, team, date)
    notes = HISTORY_HINT if report is None else f"{report}\n{HISTORY_HINT}"
    return [_section(clip(text, MAX_SECTION_TEXT)), _context(notes), {"type": "divider"}]


def _away_section(store: Store, team: Team, member: Member, now: dt.datetime,
                  absences: Sequence[Absence]) -> list[dict[str, Any]]:
    """Planned time off (as `/standup away` lists it), "Plan time off" and "Back"."""
    planned = not_over(absences, member_today(store, team, member, now))
    lines = time_off_lines(planned[:MAX_TIME_OFF_LINES])
    if len(planned) > MAX_TIME_OFF_LINES:
        lines.append(f"and {len(planned) - MAX_TIME_OFF_LINES} more: `/standup away` lists all")
    text = "\n".join(["*Away*", *lines]) if lines else "*Away*\nNo time off planned."
    buttons = [_button("Plan time off", HOME_AWAY, team.name)]
    if planned:
        buttons.append(_button("Back", HOME_BACK, team.name))
    return [_section(clip(text, MAX_SECTION_TEXT)), {"type": "actions", "elements": buttons},
            {"type": "divider"}]


def _next_standup(team: Team, date: str, viewer: Viewer) -> str:
    at = standup_instant(team, date)
    zone_name = viewer.timezone or team.timezone
    try:
        local = pendulum.instance(at).in_timezone(zone_name)
    except (ValueError, pendulum.tz.exceptions.InvalidTimezone):  # not an IANA name
        local, zone_name = pendulum.instance(at), team.timezone
    when = local.format("ddd D MMM [at] HH:mm")
    channel = escape_mrkdwn(team.channel)
    return f"Next standup: {when} ({escape_mrkdwn(zone_name)}), posted to {channel}"


def _posted_so_far(store: Store, team: Team, date: str, updates: Sequence[Update]) -> str:
    members = [m for m in store.list_members(team.name) if m.belongs_on(date)]
    posted = {u.user_id for u in updates if not is_blank_update(u)}
    names = [f"<@{m.user_id}>" for m in members if m.user_id in posted]
    shown = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        shown += f" and {len(names) - MAX_NAMES} more"
    count = f"Posted so far: {len(names)} of {len(members)}"
    return f"{count}: {shown}" if names else count


def _leave_button(team: Team) -> dict[str, Any]:
    button = _button("Leave team", HOME_LEAVE, team.name)
    button["confirm"] = {
        "title": _plain("Leave standup?"),
        "text": _plain(f"No more reminders from team {team.name}."),
        "confirm": _plain("Leave"),
        "deny": _plain("Stay"),
        "style": "danger",
    }
    return button


def _join_offer(store: Store, member: Member | None) -> list[dict[str, Any]]:
    names = _team_names(store)
    gone = f" Your team *{escape_mrkdwn(member.team)}* no longer exists." if member else ""
    text = f"You are not in a standup team.{gone} Join one to get reminders and post updates."
    if len(names) <= MAX_JOIN_BUTTONS:
        # action ids must differ within a block: one per button, all starting HOME_JOIN
        elements = [_button(f"Join {name}", f"{HOME_JOIN}.{index}", name)
                    for index, name in enumerate(names)]
    else:
        options = [{"text": _plain(clip(name, 75)), "value": name}
                   for name in names[:MAX_SELECT_OPTIONS]]
        elements = [{"type": "static_select", "action_id": HOME_JOIN,
                     "placeholder": _plain("Join a team"), "options": options}]
    return [_section(text), {"type": "actions", "elements": elements}, {"type": "divider"}]


def _team_names(store: Store) -> list[str]:
    return sorted({DEFAULT_TEAM} | {team.name for team in store.list_teams()})


# Admins ----------------------------------------------------------------------------------------


def _admin_section(store: Store, settings: Settings, room: int) -> list[dict[str, Any]]:
    names = _team_names(store)
    blocks = [_header("Teams (admins)")]
    fits = max(0, (room - 2) // BLOCKS_PER_TEAM)  # the header and a possible "more" line
    for name in names[:fits]:
        team = resolve_team(store, settings, name)
        members = store.list_members(name)
        text = _schedule_text(team, len(members)) + _inactive_text(members)
        blocks.append({**_section(text),
                       "accessory": _button("Edit schedule", HOME_EDIT_SCHEDULE, name)})
        blocks.append({**_section(_questions_text(team)),
                       "accessory": _button("Edit questions", HOME_EDIT_QUESTIONS, name)})
        blocks.append({"type": "divider"})
    if len(names) > fits:
        blocks.append(_context(f"{len(names) - fits} more team(s) not shown: "
                               "`marvin team list` shows them all."))
    return blocks


def _inactive_text(members: Sequence[Member]) -> str:
    """The members Slack cannot reach (not reminded, not missing), for admins to act on."""
    inactive = [f"<@{m.user_id}>" for m in members if not m.is_active]
    if not inactive:
        return ""
    shown = ", ".join(inactive[:MAX_NAMES])
    more = f" and {len(inactive) - MAX_NAMES} more" if len(inactive) > MAX_NAMES else ""
    return f"\n:bust_in_silhouette: inactive in Slack (not reminded): {shown}{more}"


def _schedule_text(team: Team, members: int) -> str:
    return (
        f"*{escape_mrkdwn(team.name)}* · {members} member(s)\n"
        f"{format_days(team.days)}: reminder {team.reminder_time}, standup "
        f"{team.standup_time} ({escape_mrkdwn(team.timezone)}) in {escape_mrkdwn(team.channel)}"
    )


def _questions_text(team: Team) -> str:
    lines = []
    for number, question in enumerate(team.questions, 1):
        marks = [m for m, on in (("optional", not question.required),
                                 ("blockers", question.blockers)) if on]
        shown = f"{number}. {escape_mrkdwn(question.label)}"
        lines.append(shown + (f" _({', '.join(marks)})_" if marks else ""))
    return clip("*Questions*\n" + "\n".join(lines), MAX_SECTION_TEXT)


# Blocks ----------------------------------------------------------------------------------------


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": _plain(text)}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": clip(text, 3000)}]}


def _button(text: str, action_id: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    button = {"type": "button", "text": _plain(clip(text, 75)), "action_id": action_id,
              "value": value}
    if primary:
        button["style"] = "primary"
    return button
