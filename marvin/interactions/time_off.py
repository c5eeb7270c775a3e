"""Time off, as `/standup away|back` and the App Home's Away section do it: one set of
functions over the store, so both say and store the same things.

Dates are read in the member's own zone (`marvin.domain.zones.personal_zone`: the one
Slack gave, kept in the store's member prefs, else the team's); the
rules for what may be asked are `marvin.domain.absences`'.

Example::

    reply = take_time_off(store, team, member, "2026-12-24..2027-01-02 Christmas", now)
    reply.text   # "You are away Thursday 24 December to Saturday 2 January ..."
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pendulum

from marvin.domain.absences import AwayRequest, parse_away
from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import Absence, Member, Team
from marvin.domain.zones import personal_zone
from marvin.store.base import Store

__all__ = ["TimeOffAnswer", "come_back", "list_time_off", "member_today", "not_over",
           "planned_time_off", "save_time_off", "take_time_off", "time_off_lines"]

USAGE = ("`/standup away tomorrow`, `/standup away fri`, "
         "`/standup away 2026-12-24..2027-01-02 holidays`; `/standup back` when you are back")


@dataclass(frozen=True)
class TimeOffAnswer:
    """What to tell the member; `ok` False when nothing was changed for a mistake."""

    text: str
    ok: bool = True


def member_today(store: Store, team: Team, member: Member, now: dt.datetime) -> dt.date:
    """The member's calendar date at `now`, in their own zone when Slack gave one."""
    zone = personal_zone(team, store.get_member_prefs(member.user_id))
    return pendulum.instance(now).in_timezone(zone).date()


def take_time_off(
    store: Store, team: Team, member: Member, text: str, now: dt.datetime
) -> TimeOffAnswer:
    """`/standup away DAYS [reason]`: store the time off, or say what is wrong with it."""
    try:
        request = parse_away(text, member_today(store, team, member, now))
    except ValueError as exc:
        return TimeOffAnswer(f"Nothing was saved: {escape_mrkdwn(str(exc))}.\nFor example: "
                             f"{USAGE}.", ok=False)
    return save_time_off(store, member, request)


def save_time_off(store: Store, member: Member, request: AwayRequest) -> TimeOffAnswer:
    """Store checked time off (from the command or the App Home modal) and confirm it."""
    store.save_absence(Absence(member.user_id, request.start, request.end, request.reason))
    reason = f" ({escape_mrkdwn(request.reason)})" if request.reason else ""
    return TimeOffAnswer(
        f"You are away {request.describe()}{reason}: no reminders then, and the digest "
        "lists you as away. `/standup back` if you come back early.")


def planned_time_off(store: Store, member: Member, today: dt.date) -> list[Absence]:
    """The member's time off that is not over by `today`, soonest first."""
    return not_over(store.list_absences(member.user_id), today)


def not_over(absences: Sequence[Absence], today: dt.date) -> list[Absence]:
    """The time off of `absences` (a member's, soonest first) not over by `today`."""
    return [a for a in absences if a.end >= today.isoformat()]


def time_off_lines(absences: list[Absence]) -> list[str]:
    """One line per time off, as `/standup away` and the App Home list it."""
    lines = []
    for absence in absences:
        when = AwayRequest(absence.start, absence.end).describe()
        reason = f": {escape_mrkdwn(absence.reason)}" if absence.reason else ""
        lines.append(f"• {when}{reason}")
    return lines


def list_time_off(store: Store, team: Team, member: Member, now: dt.datetime) -> TimeOffAnswer:
    """`/standup away` alone: what is planned."""
    planned = planned_time_off(store, member, member_today(store, team, member, now))
    if not planned:
        return TimeOffAnswer(f"You have no time off planned. {USAGE}.")
    return TimeOffAnswer("\n".join(["Your time off:", *time_off_lines(planned)]))


def come_back(store: Store, team: Team, member: Member, now: dt.datetime) -> TimeOffAnswer:
    """`/standup back`: end the time off under way (from today on you take part), or,
    when none is, cancel the next one planned."""
    today = member_today(store, team, member, now)
    planned = planned_time_off(store, member, today)
    current = [a for a in planned if a.start <= today.isoformat()]
    if current:
        for absence in current:
            if absence.start == today.isoformat():
                store.delete_absence(absence.user_id, absence.start)
            else:
                yesterday = (today - dt.timedelta(days=1)).isoformat()
                store.save_absence(Absence(absence.user_id, absence.start, yesterday,
                                           absence.reason))
        return TimeOffAnswer("Welcome back! You take part in standup again from today.")
    if not planned:
        return TimeOffAnswer("You are not away, and no time off is planned.")
    cancelled = planned[0]
    store.delete_absence(cancelled.user_id, cancelled.start)
    return TimeOffAnswer(
        f"You were not away yet, so I cancelled your next time off: "
        f"{time_off_lines([cancelled])[0].removeprefix('• ')}.")
