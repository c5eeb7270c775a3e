"""How run and task durations read in the CLI and on the dashboard."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.durations import format_duration

START = dt.datetime(2026, 6, 8, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0.42, "420 ms"),
        (0.0, "0 ms"),
        (12.34, "12.3 s"),
        (185, "3m 05s"),
        (3599, "59m 59s"),
        (3720, "1h 02m"),
        (-5, "0 ms"),  # an end before the start (two replicas' clocks) is not negative
    ],
)
def test_durations_read_in_the_largest_sensible_unit(seconds: float, expected: str) -> None:
    assert format_duration(START, START + dt.timedelta(seconds=seconds)) == expected


def test_a_run_without_both_ends_shows_the_missing_mark() -> None:
    assert format_duration(START, None) == "-"
    assert format_duration(None, START) == "-"
    assert format_duration(START, None, missing="—") == "—"
