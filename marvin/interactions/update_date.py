"""Which standup date an update goes to: the one rule every way of saving an update uses.

Before standup time an update counts for that day's standup. After it, it counts for the
standup that just happened while that digest is out and the team's late window is open
(`marvin.domain.late_window`): it is *late*, and the posted digest is edited to hold it.
Otherwise it counts for the next standup, as it always did.

Example::

    when = update_date(store, team, now)
    when.date, when.late   # ("2026-11-26", True): added to Thursday's posted digest
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marvin.domain.late_window import late_date
from marvin.domain.models import Team
from marvin.domain.standup import active_standup_date, format_date
from marvin.store.base import Store
from marvin.store.posted import digest_is_out

__all__ = ["UpdateDate", "update_date"]


@dataclass(frozen=True)
class UpdateDate:
    """The standup an update counts for, and whether it joins a digest already posted."""

    date: str
    late: bool = False

    def describe(self, team: Team) -> str:
        """E.g. "Thursday 26 November's standup, posted at 09:00 (Europe/London)"."""
        when = f"*{format_date(self.date)}*'s standup"
        if self.late:
            return f"{when}, posted at {team.standup_time} ({team.timezone})"
        return when


def update_date(store: Store, team: Team, now: dt.datetime) -> UpdateDate:
    """The standup an update made at `now` counts for (see the module's rule).

    Raises:
        StoreError: the store could not say whether the digest is out.
        ValueError: the team's schedule is broken (no days, a bad zone or late window).
    """
    late = late_date(team, now)
    if late is not None and digest_is_out(store, team, late):
        return UpdateDate(late, late=True)
    return UpdateDate(active_standup_date(team, now))
