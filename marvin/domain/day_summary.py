"""A team's standup date in a few numbers (`DaySummary`), as stored so the standup pages
and the reminder-time tuner read one small record per date instead of every update.

Example::

    DaySummary("eng", "2026-11-23", posted=12, skipped=1, missed=2, reminders=3, nudges=1,
               first_posts=(1795420800000000,), unknown_first_posts=0)

`StoredSummary` is what a store hands back: the summary (None when there is none, or a
write to one of the date's updates made it stale) and an opaque `version` for the
compare-and-set that saves a recomputed one, so a summary computed from updates read
before a late edit is never stored over that edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = ["DaySummary", "StoredSummary", "from_micros", "summary_from_dict", "summary_to_dict"]


@dataclass(frozen=True)
class DaySummary:
    """Counts for one standup date over the members who belonged to the team on it."""

    team: str
    date: str
    posted: int
    skipped: int
    missed: int
    reminders: int  # sent reminder deliveries
    nudges: int  # sent nudge deliveries
    first_posts: tuple[int, ...]  # members who posted: first post, UTC epoch µs, sorted
    unknown_first_posts: int  # members who posted before first posts were kept

    @property
    def members(self) -> int:
        return self.posted + self.skipped + self.missed

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


_COUNTS = ("posted", "skipped", "missed", "reminders", "nudges", "unknown_first_posts")


def summary_to_dict(summary: DaySummary) -> dict[str, Any]:
    """The stored fields (the team and date are the record's key)."""
    return {**{k: getattr(summary, k) for k in _COUNTS}, "first_posts": list(summary.first_posts)}


def summary_from_dict(team: str, date: str, data: dict[str, Any]) -> DaySummary:
    """Read back `summary_to_dict`; a count missing from an older record reads as 0."""
    counts = {k: int(data.get(k) or 0) for k in _COUNTS}
    posts = tuple(sorted(data.get("first_posts") or ()))  # ints (JSON, Firestore); kept sorted
    return DaySummary(team, date, first_posts=posts, **counts)
