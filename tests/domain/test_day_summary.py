"""A day summary as stored: exact first-post instants, and older records' missing counts."""

from __future__ import annotations

import datetime as dt

from marvin.domain.day_summary import (
    DaySummary,
    from_micros,
    summary_from_dict,
    summary_to_dict,
    to_micros,
)


def test_first_posts_round_trip_to_the_microsecond() -> None:
    at = dt.datetime(2026, 3, 2, 8, 59, 59, 999_999, tzinfo=dt.UTC)
    assert from_micros(to_micros(at)) == at
    assert to_micros(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)) == 1_000_000


def test_a_summary_reads_back_and_a_missing_count_reads_as_zero() -> None:
    summary = DaySummary("ops", "2026-03-02", 2, 1, 3, 4, 1, (5, 9), 0)
    assert summary_from_dict("ops", "2026-03-02", summary_to_dict(summary)) == summary
    assert summary.members == 6
    older = summary_from_dict("ops", "2026-03-02", {"posted": 1, "first_posts": [9, 5]})
    assert older == DaySummary("ops", "2026-03-02", 1, 0, 0, 0, 0, (5, 9), 0)
