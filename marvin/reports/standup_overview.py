"""A team's standup days read back as numbers for the standup pages: participation per
day, reminders sent per day, and when people first posted relative to the reminder.

Example::

    days = standup_overview(team, members, updates, deliveries, dates, absences)
    offsets = first_post_offsets(team, updates, dates)  # minutes after the reminder
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from marvin.domain.availability import absence_on
from marvin.domain.models import Absence, Delivery, DeliveryKind, Member, Team, Update
from marvin.domain.standup import standup_instant
from marvin.reports.participation import DayState, day_state
from marvin.reports.reminder_tuner import reminder_offset

__all__ = ["DayOverview", "first_post_offsets", "reminder_instant", "standup_overview"]


@dataclass(frozen=True)
class DayOverview:
    """One standup date: how many members posted, skipped or missed it or were away, and
    how many reminders went out (sent reminder deliveries)."""

    date: str
    posted: int
    skipped: int
    missed: int
    reminders: int
    away: int = 0

    @property
    def members(self) -> int:
        return self.posted + self.skipped + self.missed + self.away


def reminder_instant(team: Team, date: str) -> dt.datetime:
    """When the reminder for `date` is due at the team's current reminder time."""
    return standup_instant(team, date) - dt.timedelta(minutes=reminder_offset(team))


def standup_overview(
    team: Team,
    members: Sequence[Member],
    updates: Iterable[Update],
    deliveries: Iterable[Delivery],
    dates: Sequence[str],
    absences: Sequence[Absence] = (),
) -> list[DayOverview]:
    """Per date of `dates`, each member counted on the days they belonged to the team
    (away on the days their time off, from `absences`, covered)."""
    by_date: dict[str, dict[str, Update]] = {}
    for update in updates:
        by_date.setdefault(update.date, {})[update.user_id] = update
    reminders: dict[str, int] = {}
    for delivery in deliveries:
        if delivery.kind is DeliveryKind.REMINDER and delivery.sent:
            reminders[delivery.date] = reminders.get(delivery.date, 0) + 1
    days = []
    for date in dates:
        day = by_date.get(date, {})
        counts = dict.fromkeys(DayState, 0)
        for member in members:
            if member.team == team.name and member.belongs_on(date):
                away = absence_on(member.user_id, date, absences) is not None
                counts[day_state(day.get(member.user_id), away=away)] += 1
        days.append(DayOverview(date, counts[DayState.POSTED], counts[DayState.SKIPPED],
                                counts[DayState.MISSED], reminders.get(date, 0),
                                counts[DayState.AWAY]))
    return days


def first_post_offsets(team: Team, updates: Iterable[Update], dates: Sequence[str]) -> list[int]:
    """Minutes from the day's reminder time to each known first post on `dates` (negative:
    before the reminder); posts whose first time is unknown are left out."""
    wanted = set(dates)
    due: dict[str, dt.datetime] = {}
    offsets = []
    for update in updates:
        if update.date not in wanted or update.first_posted_at is None:
            continue
        if update.date not in due:
            due[update.date] = reminder_instant(team, update.date)
        offsets.append(int((update.first_posted_at - due[update.date]).total_seconds() // 60))
    return offsets
