"""The standup rules about text: times and day lists as typed, who is missing, the reminder."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marvin.domain.models import Member, Team, Update
from marvin.domain.standup import (
    format_days,
    is_blank_update,
    is_reminder_needed,
    is_user_id,
    members_missing,
    parse_days,
    parse_hhmm,
    reminder_text,
)

WEEKDAYS = (0, 1, 2, 3, 4)
DAILY = (0, 1, 2, 3, 4, 5, 6)



# parse_hhmm / parse_days / format_days ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:00", (9, 0)), ("9:00", (9, 0)), (" 23:59 ", (23, 59)), ("00:00", (0, 0))],
)
def test_parse_hhmm(text: str, expected: tuple[int, int]) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "bad", ["24:00", "9:60", "0900", "9am", "", "09:00:00", "9:5", "-1:00", "٠٩:٠٠", "09h00"]
)
def test_parse_hhmm_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match=r"expected HH:MM, 24-hour, e\.g\. 09:00"):
        parse_hhmm(bad)


@given(st.integers(0, 23), st.integers(0, 59))
def test_parse_hhmm_every_minute(hour: int, minute: int) -> None:
    assert parse_hhmm(f"{hour:02d}:{minute:02d}") == (hour, minute)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", (0, 1, 2, 3, 4)),
        ("MON-FRI", (0, 1, 2, 3, 4)),
        ("  Mon - Fri ", (0, 1, 2, 3, 4)),
        ("mon,wed,fri", (0, 2, 4)),
        ("mon, wed ,fri", (0, 2, 4)),
        ("sun-thu", (0, 1, 2, 3, 6)),
        ("fri-mon", (0, 4, 5, 6)),
        ("daily", DAILY),
        ("Daily", DAILY),
        ("mon-sun", DAILY),
        ("wed-wed", (2,)),
        ("monday,friday", (0, 4)),
        ("weekdays", WEEKDAYS),
        ("weekends", (5, 6)),
        ("fri,mon,fri", (0, 4)),
        ("sat-sun,wed", (2, 5, 6)),
    ],
)
def test_parse_days(text: str, expected: tuple[int, ...]) -> None:
    assert parse_days(text) == expected


@pytest.mark.parametrize(
    ("text", "token"),
    [("mon-fry", "fry"), ("funday", "funday"), ("mon,tues", "tues"), ("mon-tue-wed", "tue-wed")],
)
def test_parse_days_names_the_bad_token(text: str, token: str) -> None:
    with pytest.raises(ValueError, match=f"unknown day '{token}'"):
        parse_days(text)


@pytest.mark.parametrize("text", ["", "   ", " , "])
def test_parse_days_rejects_nothing(text: str) -> None:
    with pytest.raises(ValueError, match="no days"):
        parse_days(text)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((0, 1, 2, 3, 4), "mon-fri"),
        ((0, 2, 4), "mon,wed,fri"),
        ((0, 1, 2, 3, 6), "sun-thu"),
        (DAILY, "daily"),
        ((5, 6), "sat,sun"),
        ((0, 1), "mon,tue"),
        ((3,), "thu"),
        ((0, 2, 4, 6), "mon,wed,fri,sun"),
        ((0, 4, 5, 6), "fri-mon"),
        ((2, 5, 6, 0), "wed,sat-mon"),
        ((0, 1, 2, 4, 5, 6), "fri-wed"),
    ],
)
def test_format_days(days: tuple[int, ...], text: str) -> None:
    assert format_days(days) == text


def test_format_days_round_trips_every_day_set() -> None:
    for size in range(1, 8):
        for days in itertools.combinations(range(7), size):
            assert parse_days(format_days(days)) == days


@pytest.mark.parametrize("bad", [(), (7,), (-1, 2)])
def test_format_days_rejects(bad: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        format_days(bad)


# members_missing / is_reminder_needed ------------------------------------------------------

ANN, BOB, CAT = Member("U0ANN", "t"), Member("U0BOB", "t"), Member("U0CAT", "t")


def update(user: str, *entries: str, team: str = "t") -> Update:
    return Update(team=team, date="2026-11-23", user_id=user, entries=entries)


def test_members_missing() -> None:
    members = [ANN, BOB, CAT]
    assert members_missing(members, []) == members
    assert members_missing(members, [update("U0BOB", "shipped")]) == [ANN, CAT]
    everyone = [update(m.user_id, "x") for m in members]
    assert members_missing(members, everyone) == []


@pytest.mark.parametrize(
    "entries",
    [(), ("",), ("   ",), ("\n\t",), ("\u200b",), ("", " \u00a0 "), ("\u3000",), ("\x00",)],
)
def test_blank_updates_count_as_missing(entries: tuple[str, ...]) -> None:
    blank = update("U0ANN", *entries)
    assert is_blank_update(blank)
    assert members_missing([ANN], [blank]) == [ANN]
    assert is_reminder_needed(ANN, [blank])


def test_one_real_entry_is_enough() -> None:
    assert members_missing([ANN], [update("U0ANN", " ", "done", "")]) == []
    assert not is_reminder_needed(ANN, [update("U0ANN", "👍")])


def test_missing_keeps_order_once_and_ignores_others() -> None:
    members = [CAT, ANN, CAT, BOB]
    updates = [update("U0BOB", "x"), update("U0ANN", "x", team="other"), update("U0ZED", "x")]
    assert members_missing(members, updates) == [CAT, ANN]  # other team's update doesn't count


def test_is_reminder_needed() -> None:
    assert is_reminder_needed(ANN, [])
    assert is_reminder_needed(ANN, [update("U0BOB", "x")])
    assert not is_reminder_needed(ANN, [update("U0ANN", "x")])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("U123", True),
        ("W0ABC9", True),
        ("U12", True),
        ("U1", False),
        ("u123", False),
        ("U123\n", False),
        ("U12-3", False),
        ("<!channel>", False),
        ("B123", False),
        ("U" + "A" * 100, False),
    ],
)
def test_is_user_id(value: str, ok: bool) -> None:
    assert is_user_id(value) is ok


# reminder_text -----------------------------------------------------------------------------


def test_reminder_text() -> None:
    team = Team(timezone="Europe/London", standup_time="9:00")
    text = reminder_text(Member("U123"), team, "2026-11-23")
    assert text.startswith("Hi <@U123>!")
    assert "Monday 23 November" in text
    assert "09:00 (Europe/London)" in text
    assert "`/standup &lt;what you did, what you'll do, blockers&gt;`" in text
    assert "<" not in text.replace("<@U123>", "") and ">" not in text.replace("<@U123>", "")


def test_reminder_text_never_mentions_a_bad_id() -> None:
    text = reminder_text(Member("<!channel>"), Team(), "2026-11-23")
    assert text.startswith("Hi there!")
    assert "<" not in text and "channel" not in text


def test_reminder_text_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        reminder_text(ANN, Team(), "23 Nov")
    with pytest.raises(ValueError):
        reminder_text(ANN, Team(timezone="<!here>"), "2026-11-23")


@pytest.mark.parametrize(("zone", "shown"), [
    ("Europe/London", "at 09:30 (Europe/Berlin), 08:30 your time (Europe/London), and"),
    ("America/Los_Angeles", "at 07:00 (Europe/Berlin), Sunday 22:00 your time "
                            "(America/Los_Angeles), and"),
    ("Europe/Paris", "at 09:30 (Europe/Berlin) and"),  # the same wall clock: said once
    ("Europe/Berlin", "at 09:30 (Europe/Berlin) and"),
    (None, "at 09:30 (Europe/Berlin) and"),
])
def test_reminder_text_adds_the_members_own_time(zone: str | None, shown: str) -> None:
    early = "07:00" if zone == "America/Los_Angeles" else "09:30"
    team = Team(timezone="Europe/Berlin", standup_time=early)
    assert shown in reminder_text(ANN, team, "2026-11-23", zone)
