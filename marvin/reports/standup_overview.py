"""When people first posted relative to the reminder, read from a team's day summaries for
the standup pages' distribution chart.

Example::

    offsets = first_post_offsets(team, summaries)  # minutes after the reminder
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from marvin.domain.day_summary import DaySummary, to_micros
from marvin.domain.models import Team
from marvin.domain.standup import standup_instant
from marvin.reports.reminder_tuner import reminder_offset

__all__ = ["first_post_offsets", "reminder_instant"]

MINUTE = 60_000_000  # µs


def reminder_instant(team: Team, date: str) -> dt.datetime:
    """When the reminder for `date` is due at the team's current reminder time."""
    return standup_instant(team, date) - dt.timedelta(minutes=reminder_offset(team))


def first_post_offsets(team: Team, summaries: Iterable[DaySummary]) -> list[int]:
    """Minutes from each day's reminder time to each first post kept that day (negative:
    before the reminder), a member's or not (`DaySummary.other_first_posts`); posts whose
    first time is unknown are left out."""
    offsets = []
    for day in summaries:
        due = to_micros(reminder_instant(team, day.date))
        for instants in (day.first_posts, day.other_first_posts):
            offsets += [(at - due) // MINUTE for at in instants]  # whole minutes, floored
    return offsets
