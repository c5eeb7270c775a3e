"""What a member's standup day came to (posted / away / skipped / missed): the one state
function every report, export and page uses.

Example::

    day_state(store.get_update("eng", "2026-11-23", "U1"))  # DayState.POSTED
    day_state(None, away=True)                               # DayState.AWAY
"""

from __future__ import annotations

from enum import StrEnum

from marvin.domain.models import Update
from marvin.domain.standup import is_blank_update, is_skipped

__all__ = ["DayState", "day_state"]


class DayState(StrEnum):
    """A member's standup day, as the digest counted it."""

    POSTED = "posted"  # said something (answers or text)
    AWAY = "away"  # time off covered the date and they said nothing: not taking part
    SKIPPED = "skipped"  # chose "Skip today" and said nothing
    MISSED = "missed"  # nothing for the date


def day_state(update: Update | None, *, away: bool = False) -> DayState:
    """The state of a member's day from their update for it (None: they never wrote) and
    whether their time off covered it (`marvin.domain.availability.absence_on`)."""
    if update is not None and not is_blank_update(update):
        return DayState.POSTED
    if away:
        return DayState.AWAY
    if update is not None and is_skipped(update):
        return DayState.SKIPPED
    return DayState.MISSED
