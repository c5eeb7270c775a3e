"""`/standup away|back`: time off as typed, stored as absences, listed, ended early.

Fixed aware clocks (never today): Friday 20 November 2026 in London unless a test says
otherwise; dates are read in the member's zone (the team's until Slack gave theirs).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from marvin.domain.models import Absence, Member, Team
from marvin.interactions.standup_command import Command, handle_standup, parse_command
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import FRIDAY_BEFORE, USER, make_settings

NEW_YORK = ZoneInfo("America/New_York")


def away(store: SqliteStore, text: str, now: dt.datetime = FRIDAY_BEFORE) -> str:
    reply = handle_standup(store, make_settings(), user_id=USER, user_name="alice",
                           text=text, now=now)
    return reply.text if reply.ok else "ERROR " + reply.text


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    sqlite_store.save_member(Member(USER, "default", "alice"))
    return sqlite_store


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("away", Command("away")),
        ("back", Command("back")),
        ("away tomorrow", Command("away", "tomorrow")),
        ("away fri dentist", Command("away", "fri dentist")),
        ("away 2026-12-24..2027-01-02 Xmas", Command("away", "2026-12-24..2027-01-02 Xmas")),
        ("away from my desk all day", Command("update", "away from my desk all day")),
        ("back to the roadmap", Command("update", "back to the roadmap")),
    ],
)
def test_parse_time_off_commands(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("tomorrow", "2026-11-21", "2026-11-21"),
        ("today", "2026-11-20", "2026-11-20"),
        ("fri", "2026-11-20", "2026-11-20"),  # today is Friday
        ("monday", "2026-11-23", "2026-11-23"),
        ("mon..wed", "2026-11-23", "2026-11-25"),
        ("fri..tue", "2026-11-20", "2026-11-24"),
        ("2026-12-24..2027-01-02", "2026-12-24", "2027-01-02"),  # over the new year
    ],
)
def test_away_stores_the_days_asked(store: SqliteStore, text: str, start: str, end: str) -> None:
    answer = away(store, f"away {text}")
    assert answer.startswith("You are away")
    assert store.list_absences(USER) == [Absence(USER, start, end)]


def test_a_reason_is_kept_as_typed_and_shown_escaped(store: SqliteStore) -> None:
    answer = away(store, "away 2026-12-24..2027-01-02 <!channel> & family")
    assert "&lt;!channel&gt; &amp; family" in answer
    assert store.list_absences(USER)[0].reason == "<!channel> & family"
    listed = away(store, "away")
    assert "&lt;!channel&gt;" in listed and "<!channel>" not in listed
    assert "Thursday 24 December 2026* to *Saturday 2 January 2027" in listed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("away 2026-12-24..2026-12-20", "is before the start"),
        ("away 2026-12-01..2027-12-02", "at most 366 days"),
        ("away 2026-11-19", "in the past"),
        ("away 2026-02-30", "not a day"),
    ],
)
def test_bad_time_off_says_why_and_saves_nothing(store: SqliteStore, text: str, says: str) -> None:
    answer = away(store, text)
    assert answer.startswith("ERROR Nothing was saved") and says in answer
    assert store.list_absences(USER) == []


def test_a_full_year_is_allowed(store: SqliteStore) -> None:
    assert away(store, "away 2026-12-01..2027-12-01").startswith("You are away")


def test_dates_are_read_in_the_members_zone_not_utc(sqlite_store: SqliteStore) -> None:
    """23:30 on Saturday 31 October in New York is already Sunday in UTC, and the clocks
    go back that night: "tomorrow" is still Sunday 1 November there."""
    sqlite_store.save_team(Team("nyc", timezone="America/New_York"))
    sqlite_store.save_member(Member(USER, "nyc", "alice"))
    now = dt.datetime(2026, 10, 31, 23, 30, tzinfo=NEW_YORK)
    assert now.astimezone(dt.UTC).date() == dt.date(2026, 11, 1)
    away(sqlite_store, "away tomorrow..tue", now=now)
    assert sqlite_store.list_absences(USER) == [Absence(USER, "2026-11-01", "2026-11-03")]
    assert "in the past" in away(sqlite_store, "away 2026-10-30", now=now)


def test_dates_are_read_in_the_zone_slack_gave_the_member(sqlite_store: SqliteStore) -> None:
    """A New York team, a member whose Slack zone is Pacific/Kiritimati (UTC+14): at 12:00
    UTC on Monday 8 June it is already Tuesday for them, whatever the team's reminder
    mode; a zone Slack never gave, or one that is no zone, leaves the team's."""
    sqlite_store.save_team(Team("nyc", timezone="America/New_York"))
    sqlite_store.save_member(Member(USER, "nyc", "alice"))
    now = dt.datetime(2026, 6, 8, 12, 0, tzinfo=dt.UTC)
    away(sqlite_store, "away today", now=now)
    assert sqlite_store.list_absences(USER) == [Absence(USER, "2026-06-08", "2026-06-08")]
    sqlite_store.save_member_zone(USER, "Pacific/Kiritimati", now)
    away(sqlite_store, "away today", now=now)
    assert [a.start for a in sqlite_store.list_absences(USER)] == ["2026-06-08", "2026-06-09"]
    assert "in the past" in away(sqlite_store, "away 2026-06-08", now=now)
    sqlite_store.save_member_zone(USER, "Not/AZone", now)
    assert away(sqlite_store, "away 2026-06-08", now=now).startswith("You are away")


def test_away_alone_lists_only_what_is_not_over(store: SqliteStore) -> None:
    assert away(store, "away").startswith("You have no time off planned")
    store.save_absence(Absence(USER, "2026-11-02", "2026-11-06", "over"))
    store.save_absence(Absence(USER, "2026-12-24", "2027-01-02", "Christmas"))
    listed = away(store, "away")
    assert "Christmas" in listed and "over" not in listed


def test_back_ends_the_time_off_under_way_from_today(store: SqliteStore) -> None:
    store.save_absence(Absence(USER, "2026-11-16", "2026-11-27", "flu"))
    store.save_absence(Absence(USER, "2026-12-24", "2027-01-02"))
    assert away(store, "back").startswith("Welcome back")
    assert store.list_absences(USER) == [Absence(USER, "2026-11-16", "2026-11-19", "flu"),
                                         Absence(USER, "2026-12-24", "2027-01-02")]


def test_back_on_the_first_day_forgets_it(store: SqliteStore) -> None:
    store.save_absence(Absence(USER, "2026-11-20", "2026-11-27"))
    away(store, "back")
    assert store.list_absences(USER) == []


def test_back_before_time_off_cancels_the_next_one(store: SqliteStore) -> None:
    store.save_absence(Absence(USER, "2026-12-24", "2027-01-02"))
    store.save_absence(Absence(USER, "2027-03-01", "2027-03-01"))
    assert "cancelled your next time off" in away(store, "back")
    assert store.list_absences(USER) == [Absence(USER, "2027-03-01", "2027-03-01")]
    away(store, "back")
    assert away(store, "back") == "You are not away, and no time off is planned."


def test_someone_in_no_team_is_told_to_join(sqlite_store: SqliteStore) -> None:
    assert "`/standup join` first" in away(sqlite_store, "away tomorrow")
    assert sqlite_store.list_absences(USER) == []
