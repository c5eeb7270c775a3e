"""Every table Marvin keeps in SQLite, and how a file made by an earlier release is upgraded.

The store's tables carry ``PRAGMA user_version`` = `SCHEMA_VERSION`; the run history's
tables sit in the same file (or one of their own) and leave ``user_version`` alone. Tables
are created ``IF NOT EXISTS``, so opening an existing file changes nothing but the
upgrades below.
"""

from __future__ import annotations

import sqlite3

from marvin.store.base import StoreError

SCHEMA_VERSION = 10
# 2: members.joined_on and members.left_on; 3: questions, answers, skip; 4: teams.digest_mode
# and teams.late_until; 5: updates.first_posted_at; 6: teams.reminder_zone,
# teams.nudge_before, member_prefs; 7: teams.weekly_report and the index
# updates_by_member; 8: teams.lead and teams.blockers_channel, members.inactive_since and
# members.inactive_reason; 9: teams.holidays and teams.custom_holidays, and the absences
# table; 10: member_prefs.dm_channel. Each upgrade checks for its columns rather than the
# version, so they apply in any order.

_STORE_TABLES = """
CREATE TABLE IF NOT EXISTS teams (
    name TEXT PRIMARY KEY, timezone TEXT NOT NULL, standup_time TEXT NOT NULL,
    reminder_time TEXT NOT NULL, days TEXT NOT NULL, channel TEXT NOT NULL,
    questions TEXT, digest_mode TEXT NOT NULL DEFAULT 'message',
    late_until TEXT NOT NULL DEFAULT 'reminder', reminder_zone TEXT, nudge_before INTEGER,
    weekly_report TEXT NOT NULL DEFAULT 'off', lead TEXT NOT NULL DEFAULT '',
    blockers_channel TEXT NOT NULL DEFAULT '', holidays TEXT NOT NULL DEFAULT '',
    custom_holidays TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS members (
    user_id TEXT PRIMARY KEY, team TEXT NOT NULL, name TEXT NOT NULL,
    joined_on TEXT, left_on TEXT, inactive_since TEXT,
    inactive_reason TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS members_by_team ON members (team, user_id);
CREATE TABLE IF NOT EXISTS updates (
    team TEXT NOT NULL, date TEXT NOT NULL, user_id TEXT NOT NULL,
    entries TEXT NOT NULL, updated_at TEXT, answers TEXT,
    skipped INTEGER NOT NULL DEFAULT 0, first_posted_at TEXT,
    PRIMARY KEY (team, date, user_id));
CREATE INDEX IF NOT EXISTS updates_by_member ON updates (team, user_id, date);
CREATE TABLE IF NOT EXISTS deliveries (
    team TEXT NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    claimed_at TEXT NOT NULL, sent INTEGER NOT NULL DEFAULT 0, detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (team, date, kind, target));
CREATE TABLE IF NOT EXISTS absences (
    user_id TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '', PRIMARY KEY (user_id, start));
CREATE INDEX IF NOT EXISTS absences_by_end ON absences ("end");
CREATE TABLE IF NOT EXISTS member_prefs (
    user_id TEXT PRIMARY KEY, tz TEXT, tz_fetched_at TEXT, nudges INTEGER NOT NULL DEFAULT 1,
    dm_channel TEXT);
CREATE TABLE IF NOT EXISTS channels (
    name TEXT PRIMARY KEY, id TEXT NOT NULL, is_private INTEGER NOT NULL DEFAULT 0);

CREATE TABLE IF NOT EXISTS seen_requests (
    key TEXT PRIMARY KEY, expires_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS seen_requests_by_expiry ON seen_requests (expires_at);
CREATE TABLE IF NOT EXISTS slot_claims (
    job TEXT PRIMARY KEY, slot TEXT NOT NULL, owner TEXT NOT NULL, claimed_at TEXT NOT NULL,
    done INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS day_summaries (
    team TEXT NOT NULL, date TEXT NOT NULL, generation INTEGER NOT NULL, data TEXT,
    PRIMARY KEY (team, date));
CREATE TABLE IF NOT EXISTS results (
    location TEXT PRIMARY KEY, data BLOB NOT NULL, written_at TEXT NOT NULL);
"""
# `results` and `day_summaries` need no schema version: new tables, created on open; a
# release that does not know them leaves them alone.

_HISTORY_TABLES = """
CREATE TABLE IF NOT EXISTS flow_runs (
    id TEXT PRIMARY KEY, flow TEXT NOT NULL, version TEXT NOT NULL, parameters TEXT NOT NULL,
    state TEXT NOT NULL, message TEXT NOT NULL, scheduled_at TEXT, started_at TEXT,
    ended_at TEXT, graph TEXT NOT NULL, runner TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS flow_runs_by_start ON flow_runs (started_at);
CREATE INDEX IF NOT EXISTS flow_runs_by_flow ON flow_runs (flow, started_at);
CREATE TABLE IF NOT EXISTS task_run_chunks (
    flow_run_id TEXT NOT NULL, first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL, task_runs TEXT NOT NULL,
    PRIMARY KEY (flow_run_id, first_position)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS task_run_chunk_spans
    ON task_run_chunks (flow_run_id, first_position, last_position);
CREATE TABLE IF NOT EXISTS events (
    flow_run_id TEXT NOT NULL, task_run_id TEXT, at TEXT NOT NULL, system TEXT NOT NULL,
    method TEXT NOT NULL, target TEXT NOT NULL, outcome TEXT NOT NULL,
    duration_ms REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_run ON events (flow_run_id, at);
"""

_HISTORY_ADDED_COLUMNS = {
    "runner": "ALTER TABLE flow_runs ADD COLUMN runner TEXT NOT NULL DEFAULT ''",
    "summary": "ALTER TABLE flow_runs ADD COLUMN summary TEXT NOT NULL DEFAULT '{}'",
}
"""Run-history columns added since the first release: a database made before gets them."""


def create_store_tables(db: sqlite3.Connection, path: str) -> None:
    """Create or upgrade the store's tables (inside the caller's transaction).

    Raises:
        StoreError: the file was written by a newer Marvin (a higher schema version).
    """
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path!r} has schema version {version}; this Marvin knows up to "
            f"{SCHEMA_VERSION}: upgrade Marvin"
        )
    _run_script(db, _STORE_TABLES)
    _add_member_dates(db)
    _add_questions(db)
    _add_team_digest_settings(db)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def create_history_tables(db: sqlite3.Connection) -> None:
    """Create or upgrade the run history's tables (inside the caller's transaction)."""
    _run_script(db, _HISTORY_TABLES)
    have = _columns_of(db, "flow_runs")
    for column, statement in _HISTORY_ADDED_COLUMNS.items():
        if column not in have:
            db.execute(statement)


def _add_member_dates(db: sqlite3.Connection) -> None:
    """Schema 1 to 2: members gain their join and leave dates (NULL: always, still)."""
    columns = _columns_of(db, "members")
    for column in ("joined_on", "left_on"):
        if column not in columns:
            db.execute(f"ALTER TABLE members ADD COLUMN {column} TEXT")


def _add_questions(db: sqlite3.Connection) -> None:
    """Schema 2 to 3: teams gain their questions (NULL: the defaults), updates their
    answers (NULL: none) and whether the member skipped the date; later columns alike."""
    added = {
        # schema 6: NULL: as before ("team", no nudges); schema 7: the team's lead and
        # blockers channel ('': none), a member's deactivation (NULL: active)
        "teams": {"questions": "TEXT", "reminder_zone": "TEXT", "nudge_before": "INTEGER",
                  "lead": "TEXT NOT NULL DEFAULT ''",
                  "blockers_channel": "TEXT NOT NULL DEFAULT ''"},
        "members": {"inactive_since": "TEXT", "inactive_reason": "TEXT NOT NULL DEFAULT ''"},
        "member_prefs": {"dm_channel": "TEXT"},  # schema 10; NULL: not known yet
        "updates": {"answers": "TEXT", "skipped": "INTEGER NOT NULL DEFAULT 0",
                    "first_posted_at": "TEXT"},  # schema 5; NULL: not kept then
    }
    for table, columns in added.items():
        have = _columns_of(db, table)
        for column, kind in columns.items():
            if column not in have:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


_TEAM_DIGEST_COLUMNS = {
    "digest_mode": "ALTER TABLE teams ADD COLUMN digest_mode TEXT NOT NULL DEFAULT 'message'",
    "late_until": "ALTER TABLE teams ADD COLUMN late_until TEXT NOT NULL DEFAULT 'reminder'",
    # schema 7: off, as every team was before
    "weekly_report": "ALTER TABLE teams ADD COLUMN weekly_report TEXT NOT NULL DEFAULT 'off'",
    # schema 9: no holidays, as before
    "holidays": "ALTER TABLE teams ADD COLUMN holidays TEXT NOT NULL DEFAULT ''",
    "custom_holidays": "ALTER TABLE teams ADD COLUMN custom_holidays TEXT NOT NULL "
                       "DEFAULT '[]'",
}


def _add_team_digest_settings(db: sqlite3.Connection) -> None:
    """Schema 4 and 7: teams gain their digest mode, late window and holidays (defaults:
    as before)."""
    columns = _columns_of(db, "teams")
    for column, statement in _TEAM_DIGEST_COLUMNS.items():
        if column not in columns:
            db.execute(statement)


def _run_script(db: sqlite3.Connection, script: str) -> None:
    """Each statement in turn: ``executescript`` would COMMIT the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _columns_of(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
