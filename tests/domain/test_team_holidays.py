"""Team holidays: the country calendar plus custom days, and the date rules passing over them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from marvin.domain.late_window import late_window_end
from marvin.domain.models import Holiday, Team
from marvin.domain.standup import active_standup_date, last_standup_date, next_standup_date
from marvin.domain.team_holidays import check_holiday_name, holiday_name, parse_calendar

LONDON = ZoneInfo("Europe/London")
UK = Team("uk", timezone="Europe/London", holidays="GB-ENG")
# Monday 31 August 2026 is the summer bank holiday in England.
SUNDAY_EVENING = dt.datetime(2026, 8, 30, 20, 0, tzinfo=LONDON)


@pytest.mark.parametrize(("value", "stored"),
                         [("us", "US"), (" DE-by ", "DE-BY"), ("none", ""), ("", "")])
def test_calendars_are_checked_and_normalised(value: str, stored: str) -> None:
    assert parse_calendar(value) == stored


@pytest.mark.parametrize(("value", "says"),
                         [("XX", "unknown holiday country"), ("DE-ZZ", "unknown subdivision")])
def test_unknown_calendars_are_refused(value: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_calendar(value)


def test_holiday_names_come_from_the_country_and_the_team() -> None:
    team = Team(holidays="DE-BY", custom_holidays=(Holiday("2026-12-31", "Year end"),))
    assert holiday_name(team, "2026-12-25") is not None
    assert holiday_name(team, "2026-01-06") is not None  # Epiphany: Bavaria, not Berlin
    assert holiday_name(Team(holidays="DE-BE"), "2026-01-06") is None
    assert holiday_name(team, "2026-12-31") == "Year end"
    assert holiday_name(team, "2026-12-30") is None
    assert holiday_name(Team(), "2026-12-25") is None  # no calendar: no holidays


def test_a_holiday_monday_moves_the_active_standup_date_to_tuesday() -> None:
    assert holiday_name(UK, "2026-08-31") == "Late Summer Bank Holiday"
    assert active_standup_date(UK, SUNDAY_EVENING) == "2026-09-01"
    assert active_standup_date(Team("uk", timezone="Europe/London"), SUNDAY_EVENING) == (
        "2026-08-31")
    assert next_standup_date(UK, "2026-08-28") == "2026-09-01"
    tuesday_noon = dt.datetime(2026, 9, 1, 12, 0, tzinfo=LONDON)
    assert last_standup_date(UK, tuesday_noon) == "2026-09-01"
    monday_noon = dt.datetime(2026, 8, 31, 12, 0, tzinfo=LONDON)
    assert last_standup_date(UK, monday_noon) == "2026-08-28"  # Friday's, not Monday's


def test_the_date_rules_take_any_holiday_predicate() -> None:
    plain = Team("uk", timezone="Europe/London")
    every_monday = lambda day: day.weekday() == 0  # noqa: E731
    assert active_standup_date(plain, SUNDAY_EVENING, every_monday) == "2026-09-01"


def test_custom_days_over_the_new_year_are_passed_over() -> None:
    team = Team(timezone="Europe/London", custom_holidays=tuple(
        Holiday(f"2026-12-{day}", "Shutdown") for day in range(28, 32)))
    assert next_standup_date(team, "2026-12-25") == "2027-01-01"
    assert next_standup_date(Team(timezone="Europe/London", holidays="GB",
                                  custom_holidays=team.custom_holidays), "2026-12-24") == (
        "2027-01-04")


def test_a_year_of_holidays_is_an_error_not_a_hang() -> None:
    with pytest.raises(ValueError, match="not a holiday for a year"):
        active_standup_date(Team(), SUNDAY_EVENING, lambda day: True)


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_custom_holiday_names_must_be_short_and_not_blank(name: str) -> None:
    with pytest.raises(ValueError):
        check_holiday_name(name)


def test_the_late_window_runs_over_a_holiday_to_the_next_reminder() -> None:
    """Friday's digest takes late updates until Tuesday's reminder when Monday is off."""
    end = late_window_end(UK, "2026-08-28")
    assert end == dt.datetime(2026, 9, 1, 8, 30, tzinfo=LONDON)
    plain = late_window_end(Team("uk", timezone="Europe/London"), "2026-08-28")
    assert plain == dt.datetime(2026, 8, 31, 8, 30, tzinfo=LONDON)
