"""The standup rules about dates: DST, UTC+13, midnight, days off, the next and the last standup."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marvin.domain.models import Team
from marvin.domain.standup import (
    active_standup_date,
    format_date,
    last_standup_date,
    next_standup_date,
    parse_date,
    parse_hhmm,
    standup_instant,
)

UTC = dt.UTC
WEEKDAYS = (0, 1, 2, 3, 4)
DAILY = (0, 1, 2, 3, 4, 5, 6)


def local(
    tz: str,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> dt.datetime:
    """A wall-clock time in ``tz`` (stdlib, independent of the code under test)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(tz), fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


LONDON = Team(name="uk", timezone="Europe/London", standup_time="09:00", days=WEEKDAYS)


# active_standup_date -----------------------------------------------------------------------


# 2026-11-23 is a Monday, 2026-11-27 a Friday.
@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local("Europe/London", 2026, 11, 23, 0, 0), "2026-11-23"),
        (local("Europe/London", 2026, 11, 23, 8, 59), "2026-11-23"),
        (local("Europe/London", 2026, 11, 23, 8, 59, 59), "2026-11-23"),
        (local("Europe/London", 2026, 11, 23, 9, 0), "2026-11-24"),
        (local("Europe/London", 2026, 11, 23, 9, 1), "2026-11-24"),
        (local("Europe/London", 2026, 11, 23, 23, 59), "2026-11-24"),
        (local("Europe/London", 2026, 11, 27, 8, 59), "2026-11-27"),
        (local("Europe/London", 2026, 11, 27, 9, 0), "2026-11-30"),  # Friday after → Monday
        (local("Europe/London", 2026, 11, 28, 12, 0), "2026-11-30"),  # Saturday
        (local("Europe/London", 2026, 11, 29, 23, 59), "2026-11-30"),  # Sunday night
        (utc(2026, 11, 23, 8, 59), "2026-11-23"),  # GMT == UTC in November
        (local("America/New_York", 2026, 11, 23, 3, 59), "2026-11-23"),  # 08:59 in London
        (local("America/New_York", 2026, 11, 23, 4, 0), "2026-11-24"),
        (dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))), "2026-11-24"),
        (pendulum.datetime(2026, 11, 23, 8, 59, tz="Europe/London"), "2026-11-23"),
    ],
)
def test_active_date_weekdays_and_weekends(now: dt.datetime, expected: str) -> None:
    assert active_standup_date(LONDON, now) == expected


def test_days_off_are_skipped() -> None:
    team = Team(timezone="UTC", days=(2,))  # Wednesdays only
    assert active_standup_date(team, utc(2026, 11, 23, 12)) == "2026-11-25"
    assert active_standup_date(team, utc(2026, 11, 25, 8, 59)) == "2026-11-25"
    assert active_standup_date(team, utc(2026, 11, 25, 9)) == "2026-12-02"  # a week on


def test_utc_plus_13_is_a_day_ahead_of_utc() -> None:
    team = Team(timezone="Pacific/Tongatapu", days=WEEKDAYS)  # +13:00, no DST in 2026
    # Sunday 19:59 UTC is Monday 08:59 in Tonga.
    assert active_standup_date(team, utc(2026, 11, 22, 19, 59)) == "2026-11-23"
    assert active_standup_date(team, utc(2026, 11, 22, 20, 0)) == "2026-11-24"
    # Friday 20:00 UTC is Saturday 09:00 in Tonga: the weekend has begun there.
    assert active_standup_date(team, utc(2026, 11, 27, 19, 59)) == "2026-11-30"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local("UTC", 2026, 11, 22, 23, 59), "2026-11-23"),  # Sunday 23:59 → Monday
        (local("UTC", 2026, 11, 23, 0, 0), "2026-11-24"),  # Monday 00:00: Monday's is now
        (local("UTC", 2026, 11, 26, 23, 59), "2026-11-27"),  # Thursday 23:59 → Friday
        (local("UTC", 2026, 11, 27, 0, 0), "2026-11-30"),  # Friday 00:00 → Monday
        (local("UTC", 2026, 11, 28, 0, 0), "2026-11-30"),
    ],
)
def test_midnight_standup(now: dt.datetime, expected: str) -> None:
    team = Team(standup_time="00:00", days=WEEKDAYS)
    assert active_standup_date(team, now) == expected


def change_points(team: Team, start: dt.datetime, hours: int) -> list[dt.datetime]:
    """Every minute in the window at which the active date changes (it must only grow)."""
    points, previous = [], active_standup_date(team, start)
    for minute in range(1, hours * 60):
        now = start + dt.timedelta(minutes=minute)
        current = active_standup_date(team, now)
        if current != previous:
            assert current > previous
            points.append(now)
            previous = current
    return points


NY_TZ, UK_TZ = "America/New_York", "Europe/London"


@pytest.mark.parametrize(
    ("tz", "standup", "start", "expected_utc"),
    [
        # Spring forward in New York on Sunday 8 March: 09:00 is 14:00Z, then 13:00Z.
        (NY_TZ, "09:00", (2026, 3, 7), [(3, 7, 14, 0), (3, 8, 13, 0), (3, 9, 13, 0)]),
        # 02:30 does not exist on 8 March: standup is when the clock would have said it, 07:30Z
        # (03:30 EDT), exactly when APScheduler's cron fires.
        (NY_TZ, "02:30", (2026, 3, 7), [(3, 7, 7, 30), (3, 8, 7, 30), (3, 9, 6, 30)]),
        # Fall back on Sunday 1 November.
        (NY_TZ, "09:00", (2026, 10, 31), [(10, 31, 13, 0), (11, 1, 14, 0), (11, 2, 14, 0)]),
        # 01:30 happens twice on 1 November: standup is the first (EDT, 05:30Z).
        (NY_TZ, "01:30", (2026, 10, 31), [(10, 31, 5, 30), (11, 1, 5, 30), (11, 2, 6, 30)]),
        # London: BST from 01:00Z on Sunday 29 March, GMT again from 01:00Z on 25 October.
        (UK_TZ, "09:00", (2026, 3, 28), [(3, 28, 9, 0), (3, 29, 8, 0), (3, 30, 8, 0)]),
        (UK_TZ, "01:30", (2026, 3, 28), [(3, 28, 1, 30), (3, 29, 1, 30), (3, 30, 0, 30)]),
        (UK_TZ, "09:00", (2026, 10, 24), [(10, 24, 8, 0), (10, 25, 9, 0), (10, 26, 9, 0)]),
        (UK_TZ, "01:30", (2026, 10, 24), [(10, 24, 0, 30), (10, 25, 0, 30), (10, 26, 1, 30)]),
        (UK_TZ, "00:00", (2026, 10, 24), [(10, 24, 23, 0), (10, 26, 0, 0)]),
    ],
)
def test_dst_days_change_exactly_at_standup_every_minute(
    tz: str, standup: str, start: tuple[int, int, int], expected_utc: list[tuple[int, ...]]
) -> None:
    team = Team(timezone=tz, standup_time=standup, days=DAILY)
    points = change_points(team, utc(*start), hours=72)
    assert points == [utc(2026, *point) for point in expected_utc]


def test_dst_minutes_around_standup() -> None:
    ny = Team(timezone="America/New_York", standup_time="09:00", days=DAILY)
    assert active_standup_date(ny, local("America/New_York", 2026, 3, 8, 8, 59)) == "2026-03-08"
    assert active_standup_date(ny, local("America/New_York", 2026, 3, 8, 9, 0)) == "2026-03-09"
    assert active_standup_date(ny, local("America/New_York", 2026, 11, 1, 8, 59)) == "2026-11-01"
    assert active_standup_date(ny, local("America/New_York", 2026, 11, 1, 9, 0)) == "2026-11-02"
    night = Team(timezone="America/New_York", standup_time="01:30", days=DAILY)
    first = local("America/New_York", 2026, 11, 1, 1, 29, fold=0)  # EDT
    second = local("America/New_York", 2026, 11, 1, 1, 15, fold=1)  # EST, an hour later
    assert active_standup_date(night, first) == "2026-11-01"
    assert active_standup_date(night, second) == "2026-11-02"  # the 01:30 EDT standup has gone


def test_now_sharing_the_teams_tzinfo_is_compared_as_an_instant() -> None:
    # Python compares datetimes with the *same* tzinfo object by wall clock, ignoring fold.
    night = Team(timezone="America/New_York", standup_time="01:30", days=DAILY)
    standup = standup_instant(night, "2026-11-01")  # 01:30 EDT, in Marvin's own zone object
    zone = standup.tzinfo
    assert zone is not None
    later = (standup.astimezone(UTC) + dt.timedelta(minutes=45)).astimezone(zone)
    assert (later.hour, later.minute, later.fold) == (1, 15, 1)  # 01:15 EST, after standup
    assert active_standup_date(night, later) == "2026-11-02"
    assert last_standup_date(night, later) == "2026-11-01"
    earlier = (standup.astimezone(UTC) - dt.timedelta(minutes=1)).astimezone(zone)
    assert active_standup_date(night, earlier) == "2026-11-01"


def test_standup_instant_is_a_real_local_time() -> None:
    team = Team(timezone="America/New_York", standup_time="02:30")
    instant = standup_instant(team, "2026-03-08")
    assert instant == utc(2026, 3, 8, 7, 30)
    assert (instant.hour, instant.minute, instant.utcoffset()) == (3, 30, dt.timedelta(hours=-4))


@pytest.mark.parametrize(
    "team",
    [
        Team(days=()),
        Team(days=(7,)),
        Team(timezone="Mars/Olympus_Mons"),
        Team(standup_time="9am"),
    ],
)
def test_invalid_teams_raise(team: Team) -> None:
    with pytest.raises(ValueError):
        active_standup_date(team, utc(2026, 11, 23))


def test_naive_now_raises() -> None:
    with pytest.raises(ValueError, match="aware"):
        active_standup_date(LONDON, dt.datetime(2026, 11, 23, 8))


def test_no_days_message() -> None:
    with pytest.raises(ValueError, match="no standup days"):
        next_standup_date(Team(days=()), "2026-11-23")


ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Pacific/Tongatapu",  # UTC+13
    "Pacific/Kiritimati",  # UTC+14
    "Pacific/Pago_Pago",  # UTC-11
    "Pacific/Chatham",  # +12:45 / +13:45
    "Australia/Lord_Howe",  # 30-minute DST
    "America/St_Johns",  # -03:30 with DST
    "Asia/Kathmandu",  # +05:45
    "America/Santiago",  # DST changes at midnight
]

teams = st.builds(
    lambda tz, hour, minute, days: Team(
        timezone=tz, standup_time=f"{hour:02d}:{minute:02d}", days=tuple(sorted(days))
    ),
    st.sampled_from(ZONES),
    st.integers(0, 23),
    st.integers(0, 59),
    st.sets(st.integers(0, 6), min_size=1),
)
instants = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59, 59)
).map(lambda naive: naive.replace(tzinfo=UTC))


@st.composite
def team_and_now(draw: st.DrawFn) -> tuple[Team, dt.datetime]:
    """A team and an instant, often within minutes of one of its standups (where bugs hide)."""
    team = draw(teams)
    now = draw(instants)
    if draw(st.booleans()):
        hour, minute = parse_hhmm(team.standup_time)
        day = now.astimezone(ZoneInfo(team.timezone)).date()
        near = dt.datetime(
            day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(team.timezone)
        )
        now = near.astimezone(UTC) + dt.timedelta(seconds=draw(st.integers(-120, 120)))
    view = draw(st.sampled_from(["utc", "team", "offset"]))
    if view == "team":
        now = now.astimezone(ZoneInfo(team.timezone))
    elif view == "offset":
        now = now.astimezone(dt.timezone(dt.timedelta(hours=draw(st.integers(-12, 14)))))
    return team, now


def oracle_epoch(team: Team, day: dt.date) -> float:
    hour, minute = parse_hhmm(team.standup_time)
    wall = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(team.timezone))
    return wall.timestamp()


@settings(max_examples=600, deadline=None)
@given(team_and_now())
def test_property_active_date_is_the_earliest_standup_still_ahead(
    case: tuple[Team, dt.datetime],
) -> None:
    team, now = case
    result = dt.date.fromisoformat(active_standup_date(team, now))
    today = now.astimezone(ZoneInfo(team.timezone)).date()
    assert result.weekday() in team.days
    assert result >= today
    assert oracle_epoch(team, result) > now.timestamp()
    day = today
    while day < result:  # no earlier standup day is still ahead
        if day.weekday() in team.days:
            assert oracle_epoch(team, day) <= now.timestamp()
        day += dt.timedelta(days=1)

    last = last_standup_date(team, now)
    assert dt.date.fromisoformat(last).weekday() in team.days
    assert oracle_epoch(team, dt.date.fromisoformat(last)) <= now.timestamp()
    assert next_standup_date(team, last) == result.isoformat()


# last_standup_date / next_standup_date -----------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local("Europe/London", 2026, 11, 23, 9, 0), "2026-11-23"),  # the digest run at 09:00
        (local("Europe/London", 2026, 11, 23, 9, 0, 5), "2026-11-23"),  # a late fire
        (local("Europe/London", 2026, 11, 23, 8, 59), "2026-11-20"),  # before: last Friday
        (local("Europe/London", 2026, 11, 28, 9, 0), "2026-11-27"),  # Saturday
    ],
)
def test_last_standup_date(now: dt.datetime, expected: str) -> None:
    assert last_standup_date(LONDON, now) == expected


@pytest.mark.parametrize(
    ("days", "date", "expected"),
    [
        (WEEKDAYS, "2026-11-23", "2026-11-24"),
        (WEEKDAYS, "2026-11-27", "2026-11-30"),  # Friday → Monday
        (WEEKDAYS, "2026-11-28", "2026-11-30"),  # from a day off
        ((2,), "2026-11-25", "2026-12-02"),  # strictly after: the week after
        (DAILY, "2026-12-31", "2027-01-01"),
        ((6, 0, 1, 2, 3), "2026-11-26", "2026-11-29"),  # sun-thu: Thursday → Sunday
    ],
)
def test_next_standup_date(days: tuple[int, ...], date: str, expected: str) -> None:
    assert next_standup_date(Team(days=days), date) == expected


@pytest.mark.parametrize("bad", ["2026-11-31", "20261123", "23/11/2026", "2026-W48-1", ""])
def test_next_standup_date_rejects_bad_dates(bad: str) -> None:
    with pytest.raises(ValueError):
        next_standup_date(LONDON, bad)


def test_parse_date_takes_only_real_yyyy_mm_dd_days() -> None:
    assert parse_date("2026-11-23") == dt.date(2026, 11, 23)
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    "bad", ["2026-6-1", "20261123", "2026-W48-1", "2026-02-30", "2026-13-01", " 2026-11-23", ""]
)
def test_parse_date_says_what_it_expected_with_an_example(bad: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_date(bad)
    assert str(raised.value) == f"bad date {bad!r}: expected YYYY-MM-DD, e.g. 2026-11-23"


def test_format_date() -> None:
    assert format_date("2026-11-23") == "Monday 23 November"
    assert format_date("2026-03-01") == "Sunday 1 March"
