"""A team's standup date in a few numbers (`DaySummary`), as stored so the standup pages
and the reminder-time tuner read one small record per date instead of every update.

Example::

    DaySummary("eng", "2026-11-23", posted=12, away=1, skipped=1, missed=2, reminders=3,
               nudges=1, first_posts=(1795420800000000,), unknown_first_posts=0)

`StoredSummary` is what a store hands back: the summary (None when there is none, when a
write to one of the date's updates or to a member's time off over it made it stale, or
when it was stored in an older `FORMAT`) and an opaque `version` for the compare-and-set
that saves a recomputed one, so a summary computed from records read before a late edit
is never stored over that edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = ["FIELDS", "FORMAT", "DaySummary", "StoredSummary", "dates_between", "from_micros",
           "summary_from_dict", "summary_to_dict", "to_micros"]

# What a stored summary's numbers mean; a record of another format is computed again
# (2: away members counted apart, and first posts that count for no member kept).
FORMAT = 2


@dataclass(frozen=True, kw_only=True)
class DaySummary:
    """Counts for one standup date over the members who belonged to the team on it, each
    in one state (`marvin.domain.participation.DayState`)."""

    team: str
    date: str
    posted: int
    away: int  # time off covered the date and they said nothing
    skipped: int
    missed: int
    reminders: int  # sent reminder deliveries
    nudges: int  # sent nudge deliveries
    first_posts: tuple[int, ...]  # members who posted: first post, UTC epoch µs, sorted
    unknown_first_posts: int  # members who posted before first posts were kept
    # first posts of the date's other updates (emptied since, or by someone not counted on
    # the date): the first-post chart shows every first post kept, the tuner only members'
    other_first_posts: tuple[int, ...] = ()

    @property
    def members(self) -> int:
        return self.posted + self.away + self.skipped + self.missed

    def first_post_times(self) -> list[dt.datetime]:
        return [from_micros(m) for m in self.first_posts]


@dataclass(frozen=True)
class StoredSummary:
    """A date's stored record: `summary` None when absent or stale; `version` None when
    there is no record at all (then saving creates it)."""

    date: str
    summary: DaySummary | None
    version: str | None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def to_micros(at: dt.datetime) -> int:
    """An aware instant as integer microseconds since the epoch (exact, unlike a float)."""
    since = at - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_micros(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


_COUNTS = ("posted", "away", "skipped", "missed", "reminders", "nudges", "unknown_first_posts")
INSTANTS = ("first_posts", "other_first_posts")  # sorted epoch µs
FIELDS = ("format", *_COUNTS, *INSTANTS)  # what `summary_to_dict` writes


def summary_to_dict(summary: DaySummary) -> dict[str, Any]:
    """The stored fields (the team and date are the record's key)."""
    return {"format": FORMAT, **{k: getattr(summary, k) for k in _COUNTS},
            **{k: list(getattr(summary, k)) for k in INSTANTS}}


def summary_from_dict(team: str, date: str, data: dict[str, Any]) -> DaySummary | None:
    """Read back `summary_to_dict`; None for a record of another `FORMAT` (its numbers
    mean something else: it is computed again, like a stale one)."""
    if data.get("format") != FORMAT:
        return None
    count = {k: int(data.get(k) or 0) for k in _COUNTS}

    def instants(field: str) -> tuple[int, ...]:
        return tuple(sorted(data.get(field) or ()))  # ints (JSON, Firestore), kept sorted

    return DaySummary(
        team=team, date=date, posted=count["posted"], away=count["away"],
        skipped=count["skipped"], missed=count["missed"], reminders=count["reminders"],
        nudges=count["nudges"], first_posts=instants("first_posts"),
        unknown_first_posts=count["unknown_first_posts"],
        other_first_posts=instants("other_first_posts"))


def dates_between(first: str, last: str) -> list[str]:
    """Every calendar date from `first` to `last`, inclusive: the summaries a member's
    changed time off from `first` to `last` may have made wrong (whichever of them are
    standup dates)."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
