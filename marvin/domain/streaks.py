"""A member's streak: how many standup dates in a row they posted, back from the latest.

The one rule the weekly report and the App Home share. A date away on time off neither
breaks a streak nor adds to it; skipped or missed ends it. When nothing before the dates
given ended it, the streak may reach further back than what was read: it shows as "N+".

Example::

    streak([DayState.MISSED, DayState.POSTED, DayState.AWAY, DayState.POSTED])
    # Streak(count=2, open_ended=False), shown "2"
    str(streak([DayState.POSTED, DayState.POSTED]))   # "2+"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marvin.domain.participation import DayState

__all__ = ["Streak", "streak"]


@dataclass(frozen=True)
class Streak:
    """`count` dates posted in a row; `open_ended` when it reaches back past what was read."""

    count: int
    open_ended: bool

    def __str__(self) -> str:
        return f"{self.count}+" if self.count and self.open_ended else str(self.count)


def streak(states: Sequence[DayState]) -> Streak:
    """The streak at the end of `states` (a member's standup dates, oldest first, only
    those they belonged to)."""
    count = 0
    for state in reversed(states):
        if state is DayState.AWAY:
            continue  # time off neither breaks a streak nor adds to it
        if state is not DayState.POSTED:
            return Streak(count, open_ended=False)
        count += 1
    return Streak(count, open_ended=True)
