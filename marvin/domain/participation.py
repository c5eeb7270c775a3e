"""How a member took part in one standup date: the ONE rule every report, export and
history answer asks (posted / skipped / missed).

Example::

    day_state(store.get_update(team, date, user_id))   # DayState.POSTED

Pure. Kept in one function so a new state (say, away on time off) is added in one place.
"""

from __future__ import annotations

from enum import StrEnum

from marvin.domain.models import Update
from marvin.domain.standup import is_blank_update, is_skipped


class DayState(StrEnum):
    """A member's part in one standup date."""

    POSTED = "posted"
    SKIPPED = "skipped"  # said "Skip today" and nothing else
    MISSED = "missed"  # said nothing (or only invisible text) for a date they belonged to


def day_state(update: Update | None) -> DayState:
    """The state of a member on a date they belonged to, from their update (None: none).

    A blank update that is not a skip counts as missed, as the digest and reminders count
    it: nothing visible was said."""
    if update is None:
        return DayState.MISSED
    if is_skipped(update):
        return DayState.SKIPPED
    return DayState.MISSED if is_blank_update(update) else DayState.POSTED
