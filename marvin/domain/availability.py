"""Who takes part in a standup: the one rule for "is this member expected on date D?".

A member takes part unless they are away (planned time off covering the date) or chose
"Skip today" for it without posting. Reminders, nudges, the digest's "missing" list and
`marvin stats` all ask `is_taking_part`, so they cannot disagree. Which time zone a
member's dates are in is `marvin.domain.zones.personal_zone`'s answer alone.

Example::

    away = [Absence("U1", "2026-12-24", "2027-01-02", "Christmas")]
    is_taking_part(member, "2026-12-28", away, update=None)   # False: away
    away_on(members, "2026-12-28", away)                      # {"U1": "Christmas"}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from marvin.domain.models import Absence, Member, Update
from marvin.domain.standup import is_skipped

__all__ = ["absence_on", "away_on", "is_taking_part"]


def absence_on(user_id: str, date: str, absences: Sequence[Absence]) -> Absence | None:
    """The member's absence covering `date`, if any (the earliest-starting one)."""
    covering = [a for a in absences if a.user_id == user_id and a.covers(date)]
    return min(covering, key=lambda a: a.start) if covering else None


def is_taking_part(
    member: Member, date: str, absences: Sequence[Absence], update: Update | None
) -> bool:
    """Whether `member` is expected at the standup on `date`: not away then, and not
    skipping it ("Skip today" with nothing posted)."""
    if absence_on(member.user_id, date, absences) is not None:
        return False
    return update is None or not is_skipped(update)


def away_on(
    members: Sequence[Member], date: str, absences: Sequence[Absence]
) -> Mapping[str, str]:
    """User id -> reason ("" when none given) of the members away on `date`, in order."""
    away: dict[str, str] = {}
    for member in members:
        absence = absence_on(member.user_id, date, absences)
        if absence is not None:
            away.setdefault(member.user_id, absence.reason)
    return away
