"""A day summary as stored: exact first-post instants, and records of an older format."""

from __future__ import annotations

import datetime as dt

from marvin.domain.day_summary import (
    DaySummary,
    dates_between,
    from_micros,
    summary_from_dict,
    summary_to_dict,
    to_micros,
)


def test_first_posts_round_trip_to_the_microsecond() -> None:
    at = dt.datetime(2026, 3, 2, 8, 59, 59, 999_999, tzinfo=dt.UTC)
    assert from_micros(to_micros(at)) == at
    assert to_micros(dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)) == 1_000_000


def test_a_summary_reads_back_and_an_older_format_reads_as_none() -> None:
    summary = DaySummary(team="ops", date="2026-03-02", posted=2, away=1, skipped=1, missed=3,
                         reminders=4, nudges=1, first_posts=(5, 9), unknown_first_posts=0,
                         other_first_posts=(7,))
    assert summary_from_dict("ops", "2026-03-02", summary_to_dict(summary)) == summary
    assert summary.members == 7
    # numbers that meant something else (no away count): computed again, never misread
    assert summary_from_dict("ops", "2026-03-02", {"posted": 1, "first_posts": [9, 5]}) is None
    unsorted = {**summary_to_dict(summary), "first_posts": [9, 5]}
    assert summary_from_dict("ops", "2026-03-02", unsorted) == summary


def test_dates_between_are_every_calendar_date_inclusive() -> None:
    assert dates_between("2026-02-27", "2026-03-02") == [
        "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
    assert dates_between("2026-03-02", "2026-03-01") == []
