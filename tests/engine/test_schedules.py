"""Schedules: cron clocks in their own zones, merged; DST both ways; validation; properties.

Every test passes ``after=`` (or ``now=``): nothing depends on today's date.
"""

from __future__ import annotations

import doctest
import re
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from marvin.engine import schedules
from marvin.engine.schedules import CronClock, Schedule, ScheduledRun

NY, LA, LONDON, TONGA = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Pacific/Tongatapu",
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def chain(clock: CronClock, after: datetime, n: int) -> list[pendulum.DateTime]:
    out: list[pendulum.DateTime] = []
    for _ in range(n):
        fire = clock.next_after(out[-1] if out else after)
        assert fire is not None
        out.append(fire)
    return out


def iso(times: list[pendulum.DateTime]) -> list[str]:
    return [t.isoformat() for t in times]


def test_module_example_runs() -> None:
    assert doctest.testmod(schedules).failed == 0


def test_importing_the_module_imports_neither_apscheduler_nor_pendulum() -> None:
    """The engine's import budget is 50 ms; both load on first use instead."""
    code = (
        "import sys, marvin.engine; before = set(sys.modules); import marvin.engine.schedules; "
        "print(sorted(m for m in set(sys.modules) - before "
        "if m.startswith(('apscheduler', 'pendulum', 'tzlocal'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- cron semantics -------------------------------------------------------------------------


def test_weekday_cron_skips_the_weekend() -> None:
    clock = CronClock("30 8 * * mon-fri", "UTC")
    fires = chain(clock, utc(2026, 3, 5, 12), 4)  # from Thursday noon
    assert iso(fires) == [
        "2026-03-06T08:30:00+00:00",  # Friday
        "2026-03-09T08:30:00+00:00",  # Monday
        "2026-03-10T08:30:00+00:00",
        "2026-03-11T08:30:00+00:00",
    ]


def test_next_after_is_strictly_after_and_in_the_clock_zone() -> None:
    clock = CronClock("0 9 * * *", NY)
    at_nine = clock.next_after(utc(2026, 1, 5))
    assert at_nine is not None and at_nine.isoformat() == "2026-01-05T09:00:00-05:00"
    assert isinstance(at_nine, pendulum.DateTime) and at_nine.timezone_name == NY
    assert iso(chain(clock, at_nine, 1)) == ["2026-01-06T09:00:00-05:00"]
    # A pendulum DateTime in another zone is just an instant, too.
    assert clock.next_after(pendulum.datetime(2026, 1, 5, 22, tz=LA)) == pendulum.datetime(
        2026, 1, 6, 9, tz=NY
    )


@pytest.mark.parametrize(
    ("numeric", "names"),
    [
        ("1-5", "mon-fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("6,0", "sat,sun"),
        ("*/2", "sun,tue,thu,sat"),
    ],
)
def test_numeric_weekdays_mean_what_crontab_means(numeric: str, names: str) -> None:
    """APScheduler 3 counts 0 = Monday; crontab (and this module) count 0 = Sunday."""
    after = utc(2026, 3, 1)
    assert chain(CronClock(f"0 9 * * {numeric}"), after, 8) == chain(
        CronClock(f"0 9 * * {names}"), after, 8
    )


def test_a_cron_that_never_fires_again_gives_none_and_no_runs() -> None:
    never = CronClock("0 0 30 2 *")  # 30 February
    assert never.next_after(utc(2026, 1, 1)) is None
    daily = CronClock("0 9 * * *")
    runs = Schedule([never, daily]).next(2, after=utc(2026, 1, 1))
    assert [r.clock for r in runs] == [daily, daily]


# --- several clocks -------------------------------------------------------------------------


def test_dc_and_sf_clocks_merge_in_time_order_with_their_own_defaults() -> None:
    dc = CronClock.daily_at(
        "09:00", timezone=NY, parameter_defaults={"standup_channel": "#general", "team": "dc"}
    )
    sf = CronClock.daily_at(
        "09:00", timezone=LA, parameter_defaults={"standup_channel": "#general", "team": "sf"}
    )
    runs = Schedule([sf, dc]).next(5, after=utc(2026, 3, 6))  # Friday
    assert [(r.start_time.isoformat(), r.parameter_defaults["team"]) for r in runs] == [
        ("2026-03-06T09:00:00-05:00", "dc"),
        ("2026-03-06T09:00:00-08:00", "sf"),
        ("2026-03-09T09:00:00-04:00", "dc"),  # Monday, both zones now on daylight time
        ("2026-03-09T09:00:00-07:00", "sf"),
        ("2026-03-10T09:00:00-04:00", "dc"),
    ]
    assert all(r.start_time.timezone_name == r.clock.timezone for r in runs)
    assert runs[0] == ScheduledRun(
        pendulum.datetime(2026, 3, 6, 9, tz=NY), {"standup_channel": "#general", "team": "dc"}, dc
    )


def test_ties_keep_clock_order() -> None:
    utc_clock = CronClock("0 14 * * *", "UTC", {"n": 1})
    ny_clock = CronClock("0 9 * * *", NY, {"n": 2})  # 09:00 EST is 14:00Z in January
    runs = Schedule([ny_clock, utc_clock]).next(4, after=utc(2026, 1, 5))
    assert [r.parameter_defaults["n"] for r in runs] == [2, 1, 2, 1]
    assert runs[0].start_time == runs[1].start_time


def test_next_defaults_to_now() -> None:
    schedule = Schedule([CronClock("0 9 * * *")])
    [run] = schedule.next(1, now=lambda: utc(2026, 7, 1, 9))
    assert run.start_time.isoformat() == "2026-07-02T09:00:00+00:00"
    assert (
        schedule.next(1, after=utc(2026, 1, 1), now=lambda: utc(2030, 1, 1))[0].start_time.year
        == 2026
    )


def test_runs_between_is_start_exclusive_end_inclusive_across_clocks() -> None:
    a, b = CronClock("0 9 * * *", "UTC", {"c": "a"}), CronClock("0 12 * * *", "UTC", {"c": "b"})
    runs = Schedule([a, b]).runs_between(utc(2026, 5, 1, 9), utc(2026, 5, 2, 12))
    assert [(r.start_time.isoformat(), r.parameter_defaults["c"]) for r in runs] == [
        ("2026-05-01T12:00:00+00:00", "b"),
        ("2026-05-02T09:00:00+00:00", "a"),
        ("2026-05-02T12:00:00+00:00", "b"),
    ]
    assert Schedule([a]).runs_between(utc(2026, 5, 1, 10), utc(2026, 5, 1, 10)) == []


def test_parameter_defaults_are_copied_not_shared() -> None:
    defaults = {"team": "dc"}
    clock = CronClock("0 9 * * *", parameter_defaults=defaults)
    defaults["team"] = "changed"
    first, second = Schedule([clock]).next(2, after=utc(2026, 1, 1))
    assert clock.parameter_defaults == {"team": "dc"}
    assert first.parameter_defaults is not second.parameter_defaults
    assert hash(clock) == hash(CronClock("0 9 * * *", parameter_defaults={"other": 1}))


# --- daylight saving time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "after", "offsets"),
    [
        (NY, utc(2026, 3, 6), ["-05:00", "-05:00", "-04:00", "-04:00"]),  # 2026-03-08
        (NY, utc(2026, 10, 30), ["-04:00", "-04:00", "-05:00", "-05:00"]),  # 2026-11-01
        (LONDON, utc(2026, 3, 27), ["+00:00", "+00:00", "+01:00", "+01:00"]),  # 2026-03-29
        (LONDON, utc(2026, 10, 23), ["+01:00", "+01:00", "+00:00", "+00:00"]),  # 2026-10-25
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst(
    zone: str, after: datetime, offsets: list[str]
) -> None:
    fires = chain(CronClock("0 9 * * *", zone), after, 4)
    assert [f.isoformat()[11:] for f in fires] == [f"09:00:00{o}" for o in offsets]
    assert [(f - p).in_hours() for p, f in zip(fires, fires[1:], strict=False)].count(24) == 2


def test_new_york_spring_forward_fires_a_missing_time_once_shifted_by_the_gap() -> None:
    """02:30 does not exist on 2026-03-08: it is read as 02:30 EST, i.e. 03:30 EDT (07:30Z)."""
    clock = CronClock("30 2 * * *", NY)
    assert iso(chain(clock, utc(2026, 3, 6, 12), 3)) == [
        "2026-03-07T02:30:00-05:00",
        "2026-03-08T03:30:00-04:00",
        "2026-03-09T02:30:00-04:00",
    ]
    # The answer depends on the instant only: from inside the shifted hour it is still there.
    shifted = clock.next_after(utc(2026, 3, 8, 7, 10))  # 03:10 EDT
    assert shifted is not None and shifted.in_timezone("UTC") == utc(2026, 3, 8, 7, 30)
    after_it = clock.next_after(utc(2026, 3, 8, 7, 30))
    assert after_it is not None and after_it.isoformat() == "2026-03-09T02:30:00-04:00"


def test_a_search_that_crosses_a_switch_does_not_overshoot_a_day() -> None:
    """Regression: APScheduler 3 alone answers 03-10 (daily) and 03-16 (Mondays) here."""
    sunday_midnight = utc(2026, 3, 8, 5)  # 00:00 EST, two hours before the switch
    daily = CronClock("0 0 * * *", NY).next_after(sunday_midnight)
    mondays = CronClock("0 0 * * mon", NY).next_after(sunday_midnight)
    assert daily == mondays == pendulum.datetime(2026, 3, 9, tz=NY)


def test_london_spring_forward_fires_missing_0130_at_0230_bst() -> None:
    runs = Schedule([CronClock("30 1 * * *", LONDON)]).runs_between(
        utc(2026, 3, 28), utc(2026, 3, 30, 12)
    )
    assert iso([r.start_time for r in runs]) == [
        "2026-03-28T01:30:00+00:00",
        "2026-03-29T02:30:00+01:00",
        "2026-03-30T01:30:00+01:00",
    ]


@pytest.mark.parametrize(
    ("zone", "after", "expected"),
    [  # APScheduler 3 alone skips these days: its day roll lands in the missing hour.
        ("Africa/Cairo", utc(2026, 4, 23, 12), "2026-04-24T01:30:00+03:00"),  # Fri 00:00->01:00
        ("America/Santiago", utc(2026, 9, 5, 12), "2026-09-06T01:30:00-03:00"),  # Sun 00:00->01:00
    ],
)
def test_a_missing_midnight_hour_is_shifted_like_any_other(
    zone: str, after: datetime, expected: str
) -> None:
    clock = CronClock.daily_at("00:30", days=range(7), timezone=zone)
    assert iso(chain(clock, after, 2))[0] == expected


@pytest.mark.parametrize(
    ("zone", "day", "first"),
    [
        (NY, (2026, 11, 1), "2026-11-01T01:30:00-04:00"),
        (LONDON, (2026, 10, 25), "2026-10-25T01:30:00+01:00"),
    ],
)
def test_fall_back_fires_a_repeated_time_exactly_once_at_its_first_occurrence(
    zone: str, day: tuple[int, int, int], first: str
) -> None:
    clock = CronClock("30 1 * * *", zone)
    start = utc(*day) - timedelta(days=1)
    runs = Schedule([clock]).runs_between(start, start + timedelta(days=3))
    on_day = [r.start_time.isoformat() for r in runs if r.start_time.date() == pendulum.date(*day)]
    assert on_day == [first]
    assert len(runs) == 3
    # From between the two 01:30s the next run is the following night, not the repeat.
    between = datetime.fromisoformat(first) + timedelta(minutes=45)  # fixed offset: no DST
    nxt = clock.next_after(between)
    assert nxt is not None and (nxt.date() - pendulum.date(*day)).days == 1


def test_sub_hourly_cron_never_repeats_a_wall_time_over_fall_back() -> None:
    runs = Schedule([CronClock("*/30 * * * *", NY)]).runs_between(
        utc(2026, 11, 1, 4), utc(2026, 11, 1, 8)
    )
    starts = [r.start_time for r in runs]
    walls = [s.naive() for s in starts]
    assert starts == sorted(starts) and len(set(walls)) == len(walls)
    assert [w.strftime("%H:%M") for w in walls] == [
        "00:30",
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
    ]


def test_utc_plus_13_monday_morning_is_sunday_in_utc() -> None:
    clock = CronClock.daily_at("09:00", days=[0], timezone=TONGA)  # Mondays
    fire = clock.next_after(utc(2026, 3, 1))  # Sunday 00:00Z = Sunday 13:00 in Tonga
    assert fire is not None and fire.isoformat() == "2026-03-02T09:00:00+13:00"
    assert fire.day_of_week == pendulum.MONDAY
    assert fire.in_timezone("UTC").day_of_week == pendulum.SUNDAY
    assert fire.in_timezone("UTC").isoformat() == "2026-03-01T20:00:00+00:00"


# --- validation -----------------------------------------------------------------------------


def test_daily_at_builds_a_named_weekday_cron() -> None:
    clock = CronClock.daily_at(
        "8:05", days=iter([4, 0, 0]), timezone=NY, parameter_defaults={"x": 1}
    )
    assert clock == CronClock("5 8 * * mon,fri", NY, {"x": 1})
    assert CronClock.daily_at("23:59").cron == "59 23 * * mon,tue,wed,thu,fri"


@pytest.mark.parametrize(
    "bad", ["9am", "24:00", "12:60", "12", "12:5", " 09:00", "09:00:00", "", 900]
)
def test_daily_at_rejects_bad_times(bad: object) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        CronClock.daily_at(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [[], [7], [-1], [True], ["mon"], "mon", [0.0]])
def test_daily_at_rejects_bad_days(bad: object) -> None:
    with pytest.raises(ValueError, match=r"0 = Monday … 6 = Sunday"):
        CronClock.daily_at("09:00", days=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "0 9 * *",
        "0 9 * * * *",
        "61 * * * *",
        "0 24 * * *",
        "0 9 * * funday",
        "a b c d e",
        "0 9 * * 8",
        "0 9 * * 5-1",
        "0 9 * * mon-3",
        "0 9 * * mon-fri/2",
        "0 9 * * 1/0",
    ],
)
def test_invalid_cron_strings_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match=rf"invalid cron '{re.escape(bad)}'.*expected 5 fields"):
        CronClock(bad)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "America", "", "utc", "../etc/passwd"])
def test_unknown_time_zones_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone.*IANA"):
        CronClock("0 9 * * *", bad)


def test_naive_datetimes_are_rejected_everywhere() -> None:
    naive = datetime(2026, 1, 1, 9)
    schedule = Schedule([CronClock("0 9 * * *")])
    for call in (
        lambda: schedule.clocks[0].next_after(naive),
        lambda: schedule.next(1, after=naive),
        lambda: schedule.next(1, now=lambda: naive),
        lambda: schedule.runs_between(naive, utc(2026, 1, 2)),
        lambda: schedule.runs_between(utc(2026, 1, 1), naive),
    ):
        with pytest.raises(ValueError, match="time-zone-aware"):
            call()


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3", None])
def test_bad_n_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        Schedule([CronClock("0 9 * * *")]).next(bad, after=utc(2026, 1, 1))  # type: ignore[arg-type]


def test_schedule_needs_a_clock_and_an_ordered_window() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Schedule([])
    with pytest.raises(ValueError, match="is before start"):
        Schedule([CronClock("0 9 * * *")]).runs_between(utc(2026, 1, 2), utc(2026, 1, 1))


# --- property: next_after against a day-by-day reference ------------------------------------

ZONES = [NY, LA, LONDON, TONGA, "UTC", "Australia/Lord_Howe", "America/Santiago", "Africa/Cairo"]


def offset_changes_2026(zone: str) -> list[datetime]:
    """Each zone's 2026 switches, found by stepping hours (Lord Howe moves 30 minutes; Santiago
    and Cairo skip local midnight, where a day-resetting search is most fragile)."""
    tz, hours = ZoneInfo(zone), [utc(2026, 1, 1) + timedelta(hours=h) for h in range(24 * 366)]
    return [
        t
        for p, t in zip(hours, hours[1:], strict=False)
        if p.astimezone(tz).utcoffset() != t.astimezone(tz).utcoffset()
    ]


SWITCHES = [t for zone in ZONES for t in offset_changes_2026(zone)]
instants_2026 = st.datetimes(
    datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59), timezones=st.just(UTC)
)
near_switches = st.builds(
    lambda s, minutes: s + timedelta(minutes=minutes),
    st.sampled_from(SWITCHES),
    st.integers(-240, 240),
)


def reference_occurrence(day: pendulum.Date, hh: int, mm: int, zone: str) -> datetime:
    """HH:MM on a local day as a UTC instant, by stdlib rules: fold=0 is the first of a repeated
    time and reads a missing one with the offset from before the switch (pendulum's fold=0 would
    resolve it backwards). UTC, because == between zones is False for gap/fold times (PEP 495)."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(
    after=st.one_of(instants_2026, near_switches),
    hh=st.integers(0, 23),
    mm=st.integers(0, 59),
    days=st.sets(st.integers(0, 6), min_size=1),
    zone=st.sampled_from(ZONES),
)
@example(after=utc(2026, 3, 8, 7, 10), hh=2, mm=30, days={6}, zone=NY)
@example(after=utc(2026, 11, 1, 5, 45), hh=1, mm=30, days={6}, zone=NY)
# Found by this test: APScheduler alone overshot to the next week / skipped a missing midnight.
@example(after=utc(2026, 3, 8, 7), hh=0, mm=0, days={0}, zone=NY)
@example(after=utc(2026, 4, 23, 22), hh=0, mm=1, days={0, 1, 2, 3, 4}, zone="Africa/Cairo")
def test_next_after_matches_a_day_by_day_reference(
    after: datetime, hh: int, mm: int, days: set[int], zone: str
) -> None:
    fire = CronClock.daily_at(f"{hh:02d}:{mm:02d}", days=days, timezone=zone).next_after(after)
    assert fire is not None and fire > after
    local = fire.date()
    expected = reference_occurrence(local, hh, mm, zone)
    assert fire.in_timezone("UTC") == expected and fire.weekday() in days  # PEP 495: == in UTC
    if expected.astimezone(ZoneInfo(zone)).time() == time(hh, mm):  # not in a spring-forward gap
        assert (fire.hour, fire.minute) == (hh, mm)
    day = pendulum.instance(after).in_timezone(zone).date().subtract(days=1)
    while day < local:  # no allowed occurrence lies strictly between `after` and `fire`
        if day.weekday() in days:
            assert not after < reference_occurrence(day, hh, mm, zone) < fire
        day = day.add(days=1)
