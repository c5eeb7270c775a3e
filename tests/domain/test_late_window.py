"""The late window: which posted standup an update after standup time may still join."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest

from marvin.domain.late_window import late_date, late_window_end, parse_late_until
from marvin.domain.models import Team

LONDON = Team(timezone="Europe/London", standup_time="09:00", reminder_time="08:30")


def london(*args: int) -> dt.datetime:
    return pendulum.datetime(*args, tz="Europe/London")


@pytest.mark.parametrize(
    ("value", "stored"),
    [("reminder", "reminder"), (" OFF ", "off"), ("90m", "90m"), ("2H", "2h"),
     ("1h30m", "1h30m"), ("168h", "168h")],
)
def test_late_until_is_parsed_and_normalised(value: str, stored: str) -> None:
    assert parse_late_until(value) == stored


@pytest.mark.parametrize("value", ["", "soon", "0m", "169h", "1d", "-2h", "h", "2h 30m"])
def test_a_bad_late_until_says_what_is_expected(value: str) -> None:
    with pytest.raises(ValueError, match="reminder .*off.*90m"):
        parse_late_until(value)


def test_by_default_the_window_lasts_until_the_next_standup_days_reminder() -> None:
    # Thursday 26 November: Thursday's digest at 09:00, Friday's reminder at 08:30
    assert late_window_end(LONDON, "2026-11-26") == london(2026, 11, 27, 8, 30)
    assert late_date(LONDON, london(2026, 11, 26, 9, 0)) == "2026-11-26"
    assert late_date(LONDON, london(2026, 11, 27, 8, 29)) == "2026-11-26"
    assert late_date(LONDON, london(2026, 11, 27, 8, 30)) is None  # Friday's, as before


def test_before_standup_time_nothing_is_late() -> None:
    # Thursday 08:59: Wednesday's window closed at Thursday's reminder
    assert late_date(LONDON, london(2026, 11, 26, 8, 59)) is None


def test_friday_runs_over_the_weekend_to_mondays_reminder() -> None:
    assert late_window_end(LONDON, "2026-11-27") == london(2026, 11, 30, 8, 30)
    assert late_date(LONDON, london(2026, 11, 29, 23, 0)) == "2026-11-27"  # Sunday night


def test_non_standup_days_are_skipped() -> None:
    team = Team(timezone="UTC", days=(0, 2, 4))  # mon, wed, fri
    assert late_window_end(team, "2026-11-23") == dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)
    assert late_date(team, dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)) == "2026-11-23"


def test_off_has_no_window_and_a_duration_counts_from_standup_time() -> None:
    off = Team(timezone="UTC", late_until="off")
    assert late_date(off, dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)) is None
    two = Team(timezone="UTC", late_until="2h")
    assert late_date(two, dt.datetime(2026, 11, 26, 10, 59, tzinfo=dt.UTC)) == "2026-11-26"
    assert late_date(two, dt.datetime(2026, 11, 26, 11, 0, tzinfo=dt.UTC)) is None


def test_a_window_never_reaches_past_the_next_standup() -> None:
    daily = Team(timezone="UTC", days=tuple(range(7)), late_until="168h")
    assert late_window_end(daily, "2026-11-26") == dt.datetime(2026, 11, 27, 9, tzinfo=dt.UTC)


def test_a_reminder_after_standup_time_closes_the_window_the_same_day() -> None:
    """Its reminder (10:00) already reminds for the next standup."""
    team = Team(timezone="UTC", standup_time="09:00", reminder_time="10:00")
    assert late_window_end(team, "2026-11-26") == dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)


def test_time_zones_use_the_teams_local_days() -> None:
    tokyo = Team(timezone="Asia/Tokyo")  # 09:00 JST is 00:00 UTC
    now = dt.datetime(2026, 11, 26, 0, 30, tzinfo=dt.UTC)  # Thursday 09:30 in Tokyo
    assert late_date(tokyo, now) == "2026-11-26"
    end = late_window_end(tokyo, "2026-11-26")
    assert end == pendulum.datetime(2026, 11, 27, 8, 30, tz="Asia/Tokyo")


def test_dst_spring_forward_and_fall_back() -> None:
    # London springs forward on Sunday 29 March 2026: Friday's window ends Monday 08:30 BST
    end = late_window_end(LONDON, "2026-03-27")
    assert end == london(2026, 3, 30, 8, 30)
    assert end.utcoffset() == dt.timedelta(hours=1)
    # a reminder at 01:30 on the fall-back night (25 October) is its first occurrence (BST)
    night = Team(timezone="Europe/London", reminder_time="01:30", days=tuple(range(7)))
    end = late_window_end(night, "2026-10-24")
    assert end.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    assert late_date(night, dt.datetime(2026, 10, 25, 0, 29, tzinfo=dt.UTC)) == "2026-10-24"
    assert late_date(night, dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)) is None
