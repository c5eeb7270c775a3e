"""Per-member reminder zones: who is reminded in which zone, and which standup it is for.

A team's `reminder_zone` is "team" (everyone at `reminder_time` in the team's zone, as
before) or "member" (each member at `reminder_time` in their own Slack zone, the team's
when Slack gives none). The standup and its digest stay at the team's time in the team's
zone either way, so the standup date a reminder is for is always the team's next standup
still ahead at the reminder's instant (`active_standup_date`), whatever the member's
local date: 08:30 on Tuesday in Pacific/Kiritimati (UTC+14) is Monday 18:30 UTC, when a
09:00 UTC team's next standup is Tuesday's; 08:30 on Tuesday in Pacific/Pago_Pago
(UTC-11) is Tuesday 19:30 UTC, after Tuesday's standup, so it is for Wednesday's.

Example::

    team = Team(reminder_zone="member", timezone="UTC")
    member_zone(team, MemberPrefs("U1", tz="Pacific/Kiritimati"))   # "Pacific/Kiritimati"
    member_zone(team, MemberPrefs("U2"))                            # "UTC": no tz known
    reminder_zones(team, ["Pacific/Kiritimati", "UTC", "Pacific/Kiritimati"])
    # -> ["UTC", "Pacific/Kiritimati"]: the team's zone first, then each other zone once
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from marvin.domain.models import MemberPrefs, Team
from marvin.domain.names import check_zone

__all__ = [
    "REMINDER_ZONES",
    "ZONE_REFRESH",
    "check_reminder_zone",
    "member_zone",
    "needs_zone_refresh",
    "personal_zone",
    "reminder_zones",
]

REMINDER_ZONES = ("team", "member")
ZONE_REFRESH = dt.timedelta(days=1)  # a cached Slack zone is asked again after this


def check_reminder_zone(value: str) -> str:
    """"team" or "member"; ValueError saying so otherwise."""
    if value not in REMINDER_ZONES:
        raise ValueError(f"expected one of {', '.join(REMINDER_ZONES)}, got {value!r}")
    return value


def member_zone(team: Team, prefs: MemberPrefs | None) -> str:
    """The zone `team` reminds this member in: theirs in "member" mode when Slack gave one
    that is a real IANA zone, else the team's."""
    if team.reminder_zone != "member":
        return team.timezone
    return personal_zone(team, prefs)


def personal_zone(team: Team, prefs: MemberPrefs | None) -> str:
    """The zone the member lives in, whatever the team's reminder mode (their "tomorrow"
    is read in it): the one Slack gave when it is a real IANA zone, else the team's."""
    if prefs is None or not prefs.tz:
        return team.timezone
    try:
        return check_zone(prefs.tz)
    except ValueError:  # Slack's tz is IANA; anything else is not trusted to date on
        return team.timezone


def reminder_zones(team: Team, zones: Iterable[str]) -> list[str]:
    """The distinct zones the team's reminders fire in: the team's zone first (always:
    members without a zone, or who join later, fall back to it), then the members'
    other zones once each, sorted; just the team's zone in "team" mode."""
    if team.reminder_zone != "member":
        return [team.timezone]
    return [team.timezone, *sorted(set(zones) - {team.timezone})]


def needs_zone_refresh(prefs: MemberPrefs | None, now: dt.datetime) -> bool:
    """Whether Slack should be asked for this member's zone: never asked, or asked at
    least `ZONE_REFRESH` ago (at most daily; a `user_change` event refreshes sooner)."""
    if prefs is None or prefs.tz_fetched_at is None:
        return True
    return now - prefs.tz_fetched_at >= ZONE_REFRESH
