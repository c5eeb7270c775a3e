"""How a member took part in one standup date (posted / away / skipped / missed): the ONE
rule every report, export, page and history answer asks.

Example::

    day_state(store.get_update("eng", "2026-11-23", "U1"))  # DayState.POSTED
    day_state(None, away=True)                               # DayState.AWAY

Pure: whether time off covered the date is the caller's to say
(`marvin.domain.availability.absence_on`).
"""

from __future__ import annotations

from enum import StrEnum

from marvin.domain.models import Update
from marvin.domain.standup import is_blank_update, is_skipped

__all__ = ["DayState", "day_state"]


class DayState(StrEnum):
    """A member's part in one standup date they belonged to, as the digest counted it."""

    POSTED = "posted"  # said something (answers or text)
    AWAY = "away"  # time off covered the date and they said nothing: not taking part
    SKIPPED = "skipped"  # chose "Skip today" and said nothing
    MISSED = "missed"  # said nothing visible (or nothing at all) for the date


def day_state(update: Update | None, *, away: bool = False) -> DayState:
    """The state of a member's day from their update for it (None: they never wrote) and
    whether their time off covered it. A blank update that is not a skip counts as
    missed, as the digest and reminders count it: nothing visible was said."""
    if update is not None and not is_blank_update(update):
        return DayState.POSTED
    if away:
        return DayState.AWAY
    if update is not None and is_skipped(update):
        return DayState.SKIPPED
    return DayState.MISSED
