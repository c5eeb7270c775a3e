"""Nudges: the second, shorter DM `nudge_before` minutes before standup, its time and text.

A team's `nudge_before` (minutes; 0, the default: no nudges) puts a nudge at the standup's
wall time minus that many minutes in the team's zone (on the day before when that crosses
midnight). It goes to members who still have not posted (the same rule as reminders) and
have not turned nudges off (`/standup nudges off`), at most once per member and date.

Example::

    nudge_slot(Team(standup_time="09:00", nudge_before=15))   # ("08:45", (0, 1, 2, 3, 4))
    nudge_slot(Team(standup_time="00:10", nudge_before=30))   # ("23:40", (0, 1, 2, 3, 6))
"""

from __future__ import annotations

from marvin.domain.models import Member, Team
from marvin.domain.standup import format_date, is_user_id, parse_hhmm, your_time

__all__ = ["MAX_NUDGE_BEFORE", "check_nudge_before", "nudge_slot", "nudge_text"]

MAX_NUDGE_BEFORE = 720  # minutes: a nudge more than 12 hours early would be a reminder


def check_nudge_before(minutes: int) -> int:
    """Minutes before standup for the nudge, 0 (off) to `MAX_NUDGE_BEFORE`."""
    if isinstance(minutes, bool) or not 0 <= minutes <= MAX_NUDGE_BEFORE:
        raise ValueError(
            f"expected 0 (no nudges) to {MAX_NUDGE_BEFORE} minutes, got {minutes!r}"
        )
    return minutes


def nudge_slot(team: Team) -> tuple[str, tuple[int, ...]] | None:
    """The nudge's local time ("HH:MM", the team's zone) and days: `nudge_before` minutes
    before the standup's wall time, on the day before when that crosses midnight. None
    when the team has no nudges."""
    if team.nudge_before <= 0:
        return None
    hour, minute = parse_hhmm(team.standup_time)
    minutes = hour * 60 + minute - team.nudge_before
    shift, minutes = divmod(minutes, 24 * 60)  # shift is -1 when it is the day before
    days = tuple(sorted((day + shift) % 7 for day in team.days))
    return f"{minutes // 60:02d}:{minutes % 60:02d}", days


def nudge_text(member: Member, team: Team, date: str, zone: str | None = None) -> str:
    """The nudge DM: shorter than the reminder, built from checked parts only; the time in
    the member's own `zone` too when it differs, as the reminder gives it."""
    greeting = f"<@{member.user_id}>, standup" if is_user_id(member.user_id) else "Standup"
    hour, minute = parse_hhmm(team.standup_time)
    own = your_time(team, date, zone).rstrip(",")
    return (f"{greeting} for *{format_date(date)}* starts at {hour:02d}:{minute:02d} "
            f"({team.timezone}){own}: your update is still missing. `/standup nudges off` "
            "stops these.")
