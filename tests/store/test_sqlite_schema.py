"""SQLite tables: created on opening, older files upgraded in place, newer ones refused."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from marvin.domain.models import Absence, Member, Team
from marvin.store import StoreError
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.schema import SCHEMA_VERSION
from marvin.store.sqlite.store import SqliteStore


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "marvin.db")


def test_a_schema_1_database_keeps_its_members_and_gains_their_dates(db_path: str) -> None:
    """Members stored before join and leave dates were kept count on every day."""
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE members (user_id TEXT PRIMARY KEY, team TEXT NOT NULL, "
                    "name TEXT NOT NULL)")
        raw.execute("INSERT INTO members VALUES ('U1', 'ops', 'Arthur')")
        raw.execute("PRAGMA user_version = 1")
    raw.close()

    store = SqliteStore(db_path)
    try:
        assert store.get_member("U1") == Member("U1", "ops", "Arthur")
        assert store.list_members("ops") == [Member("U1", "ops", "Arthur", None, None)]
        assert store.remove_member("U1", "2026-11-24")
        assert store.list_members("ops", include_former=True) == [
            Member("U1", "ops", "Arthur", left_on="2026-11-24")]
    finally:
        store.close()


def test_opening_sets_wal_and_schema_version_idempotently(db_path: str) -> None:
    SqliteStore(db_path).close()
    SqliteStore(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_a_newer_schema_is_refused(db_path: str) -> None:
    with sqlite3.connect(db_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="schema version"):
        SqliteStore(db_path)


def test_the_history_alone_leaves_the_schema_version_to_the_store(db_path: str) -> None:
    """The history's tables may share the store's file: opening them first must not stamp
    a version the store would then trust without creating its own tables."""
    SqliteHistory(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    raw.close()
    store = SqliteStore(db_path)
    try:
        store.save_member(Member("U1", "ops"))
        assert store.get_member("U1") == Member("U1", "ops")
    finally:
        store.close()


def test_teams_saved_before_digest_settings_keep_working(db_path: str) -> None:
    """A team row from before digest modes and late windows: a message digest, late
    updates until the next reminder (whatever upgrades other releases added meanwhile)."""
    with sqlite3.connect(db_path) as raw:
        raw.execute("CREATE TABLE teams (name TEXT PRIMARY KEY, timezone TEXT NOT NULL, "
                    "standup_time TEXT NOT NULL, reminder_time TEXT NOT NULL, "
                    "days TEXT NOT NULL, channel TEXT NOT NULL)")
        raw.execute("INSERT INTO teams VALUES ('ops', 'UTC', '09:00', '08:30', '[0, 1]', '#ops')")
        raw.execute("PRAGMA user_version = 3")
    raw.close()

    store = SqliteStore(db_path)
    try:
        assert store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0, 1), "#ops")
        assert store.get_team("ops").digest_mode == "message"  # type: ignore[union-attr]
        assert store.get_team("ops").weekly_report == "off"  # type: ignore[union-attr]
        store.save_team(Team("ops", late_until="off"))
        assert store.list_teams() == [Team("ops", late_until="off")]
        assert store.get_team("ops").holidays == ""  # type: ignore[union-attr]
        assert store.absences_from("2026-01-01") == []
    finally:
        store.close()


def test_a_file_from_before_day_summaries_gains_them_on_opening(db_path: str) -> None:
    """Its updates stay; the table is created, and a write to an update marks its date."""
    SqliteStore(db_path).close()
    with sqlite3.connect(db_path) as raw:
        raw.execute("DROP TABLE day_summaries")
        raw.execute("INSERT INTO updates (team, date, user_id, entries) "
                    "VALUES ('ops', '2026-03-02', 'U1', '[\"old\"]')")
    raw.close()

    store = SqliteStore(db_path)
    try:
        assert store.list_day_summaries("ops", "2026-03-01", "2026-03-31") == []
        assert store.list_updates("ops", "2026-03-02")[0].entries == ("old",)
        store.set_skipped("ops", "2026-03-02", "U1", False, dt.datetime.now(dt.UTC))
        (marked,) = store.list_day_summaries("ops", "2026-03-01", "2026-03-31")
        assert marked.summary is None and marked.version is not None
    finally:
        store.close()


def test_a_schema_6_file_gains_holidays_and_time_off(db_path: str) -> None:
    """A file from the release with reminder zones and nudges (schema 6) but no holidays
    and no absences table: its team keeps its settings and gains no holidays."""
    SqliteStore(db_path).close()
    with sqlite3.connect(db_path) as raw:  # as a schema-6 file had it
        raw.execute("ALTER TABLE teams DROP COLUMN holidays")
        raw.execute("ALTER TABLE teams DROP COLUMN custom_holidays")
        raw.execute("DROP TABLE absences")
        raw.execute("INSERT INTO teams (name, timezone, standup_time, reminder_time, days, "
                    "channel, reminder_zone, nudge_before) VALUES ('ops', 'UTC', '09:00', "
                    "'08:30', '[0]', '#ops', 'member', 15)")
        raw.execute("PRAGMA user_version = 6")
    raw.close()

    store = SqliteStore(db_path)
    try:
        old = Team("ops", "UTC", "09:00", "08:30", (0,), "#ops", reminder_zone="member",
                   nudge_before=15)
        assert store.get_team("ops") == old
        assert store.absences_from("2026-01-01") == []
        store.save_absence(Absence("U1", "2026-12-24", "2027-01-02", "holidays"))
        store.save_team(replace(old, holidays="DE-BY"))
        assert store.get_team("ops") == replace(old, holidays="DE-BY")
        assert store.list_absences("U1") == [Absence("U1", "2026-12-24", "2027-01-02",
                                                     "holidays")]
    finally:
        store.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()
