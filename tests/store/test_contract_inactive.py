"""The `Store` contract for deactivated members and a team's lead and blockers channel,
on SQLite and on Firestore, with files and documents written before they were kept."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from marvin.domain.models import Member, Team
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.schema import SCHEMA_VERSION
from marvin.store.sqlite.store import SqliteStore

DAY = "2026-03-02"


def test_a_member_marked_inactive_round_trips_and_comes_back(store: Store) -> None:
    member = Member("U1", "ops", "Ann", joined_on=DAY)
    store.save_member(member)
    assert store.get_member("U1") == member and member.is_active
    gone = replace(member, inactive_since=DAY, inactive_reason="account_inactive")
    store.save_member(gone)
    assert store.get_member("U1") == gone and not gone.is_active
    assert store.list_members("ops") == [gone]  # still in the team, for when they return
    store.save_member(replace(gone, inactive_since=None, inactive_reason=""))
    assert store.get_member("U1") == member


def test_a_team_keeps_its_lead_and_blockers_channel(store: Store) -> None:
    store.save_team(Team("ops"))
    assert store.get_team("ops") == Team("ops", lead="", blockers_channel="")
    team = Team("ops", lead="U9", blockers_channel="#blockers")
    store.save_team(team)
    assert store.get_team("ops") == team and store.list_teams() == [team]


def test_a_schema_6_file_gains_the_inactive_and_lead_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SqliteStore(str(path)).close()
    with sqlite3.connect(path) as raw:  # as a schema-6 file had it
        for table, column in (("members", "inactive_since"), ("members", "inactive_reason"),
                              ("teams", "lead"), ("teams", "blockers_channel")):
            raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        raw.execute("INSERT INTO members (user_id, team, name) VALUES ('U1', 'ops', 'Ann')")
        raw.execute("INSERT INTO teams (name, timezone, standup_time, reminder_time, days, "
                    "channel) VALUES ('ops', 'UTC', '09:00', '08:30', '[0]', '#ops')")
        raw.execute("PRAGMA user_version = 6")
    raw.close()
    store = SqliteStore(str(path))
    try:
        assert store.get_member("U1") == Member("U1", "ops", "Ann")
        assert store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_firestore_documents_from_before_read_as_active_and_without_a_lead(
    firestore_store: FirestoreStore,
) -> None:
    db = firestore_store.client
    db.collection("members").document("U1").set(
        {"user_id": "U1", "team": "ops", "name": "Ann", "joined_on": None, "left_on": None})
    db.collection("teams").document("ops").set({
        "name": "ops", "timezone": "UTC", "standup_time": "09:00", "reminder_time": "08:30",
        "days": [0], "channel": "#ops"})
    assert firestore_store.get_member("U1") == Member("U1", "ops", "Ann")
    assert firestore_store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
