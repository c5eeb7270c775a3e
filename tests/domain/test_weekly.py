"""The weekly report setting and the week it covers; how a member took part in a date."""

from __future__ import annotations

import pytest

from marvin.domain.models import Update
from marvin.domain.participation import DayState, day_state
from marvin.domain.weekly import parse_weekly_report, report_slot, week_of


@pytest.mark.parametrize(("given", "stored"), [
    ("off", "off"), (" OFF ", "off"), ("fri 16:00", "fri 16:00"), ("Friday 9:05", "fri 09:05"),
    ("sun  23:59", "sun 23:59"),
])
def test_settings_are_stored_in_one_spelling(given: str, stored: str) -> None:
    assert parse_weekly_report(given) == stored


@pytest.mark.parametrize("bad", ["", "fri", "16:00", "fri 25:00", "frid 16:00", "fri 16:00 x"])
def test_bad_settings_say_what_is_expected(bad: str) -> None:
    with pytest.raises(ValueError, match="e.g. fri 16:00"):
        parse_weekly_report(bad)


def test_slots_and_weeks() -> None:
    assert report_slot("off") is None
    assert report_slot("mon 08:00") == (0, "08:00")
    assert week_of("2026-06-08") == ("2026-06-08", "2026-06-14")
    assert week_of("2026-06-14") == ("2026-06-08", "2026-06-14")


def test_day_states() -> None:
    assert day_state(None) is DayState.MISSED
    assert day_state(Update("t", "2026-06-08", "U1", ("hi",))) is DayState.POSTED
    assert day_state(Update("t", "2026-06-08", "U1", ("\u200b",))) is DayState.MISSED
    assert day_state(Update("t", "2026-06-08", "U1", skipped=True)) is DayState.SKIPPED
    assert day_state(Update("t", "2026-06-08", "U1", ("hi",), skipped=True)) is DayState.POSTED
