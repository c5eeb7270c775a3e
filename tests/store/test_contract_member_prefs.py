"""The `Store` contract for member preferences (a Slack zone cache, the nudge choice) and the
teams' reminder zone and nudge settings, on SQLite and on Firestore, old data included."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from marvin.domain.models import MemberPrefs, Team
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.schema import SCHEMA_VERSION
from marvin.store.sqlite.store import SqliteStore
from tests.store.test_contract import race

T0 = dt.datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=1)


def test_team_reminder_zone_and_nudges_round_trip(store: Store) -> None:
    team = Team("ops", "Europe/Paris", reminder_zone="member", nudge_before=15)
    store.save_team(team)
    assert store.get_team("ops") == team
    assert store.list_teams() == [team]


def test_nothing_is_kept_about_a_user_until_something_is_written(store: Store) -> None:
    assert store.get_member_prefs("U1") is None
    assert store.list_member_prefs(["U1", "U2"]) == []
    assert store.list_member_prefs([]) == []


def test_a_zone_and_the_nudge_choice_are_written_apart(store: Store) -> None:
    store.save_member_zone("U1", "Pacific/Kiritimati", T0)
    assert store.get_member_prefs("U1") == MemberPrefs("U1", "Pacific/Kiritimati", T0, True)
    store.set_nudges("U1", False)
    store.save_member_zone("U1", None, T1)  # the profile lost its zone: nudges stay off
    assert store.get_member_prefs("U1") == MemberPrefs("U1", None, T1, False)
    store.set_nudges("U2", False)  # a choice before any zone was fetched
    assert store.get_member_prefs("U2") == MemberPrefs("U2", nudges=False)
    store.set_nudges("U1", True)
    assert store.get_member_prefs("U1") == MemberPrefs("U1", None, T1, True)


def test_list_member_prefs_keeps_the_asked_order_and_leaves_out_unknown_users(
    store: Store,
) -> None:
    store.save_member_zone("U3", "UTC", T0)
    store.save_member_zone("U1", "Pacific/Pago_Pago", T0)
    kept = store.list_member_prefs(["U3", "U2", "U1", "U3"])
    assert [(p.user_id, p.tz) for p in kept] == [("U3", "UTC"), ("U1", "Pacific/Pago_Pago")]


def test_a_zone_refresh_racing_a_nudge_choice_loses_neither(store: Store) -> None:
    for _ in range(3):
        race(2, lambda i: store.save_member_zone("U1", "Asia/Tokyo", T0) if i == 0
             else store.set_nudges("U1", False))
        assert store.get_member_prefs("U1") == MemberPrefs("U1", "Asia/Tokyo", T0, False)
        store.set_nudges("U1", True)


def test_a_schema_5_sqlite_file_gains_zones_and_nudges(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SqliteStore(str(path)).close()
    with sqlite3.connect(path) as raw:  # as a schema-5 file had it
        raw.execute("ALTER TABLE teams DROP COLUMN reminder_zone")
        raw.execute("ALTER TABLE teams DROP COLUMN nudge_before")
        raw.execute("DROP TABLE member_prefs")
        raw.execute("INSERT INTO teams (name, timezone, standup_time, reminder_time, days, "
                    "channel) VALUES ('ops', 'UTC', '09:00', '08:30', '[0]', '#ops')")
        raw.execute("PRAGMA user_version = 5")
    raw.close()
    store = SqliteStore(str(path))
    try:
        assert store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
        assert store.get_member_prefs("U1") is None
        store.save_team(Team("ops", reminder_zone="member", nudge_before=30))
        store.set_nudges("U1", False)
        assert store.get_team("ops") == Team("ops", reminder_zone="member", nudge_before=30)
        assert store.get_member_prefs("U1") == MemberPrefs("U1", nudges=False)
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_firestore_documents_without_zones_or_nudges_read_with_defaults(
    firestore_store: FirestoreStore,
) -> None:
    db = firestore_store.client
    db.collection("teams").document("ops").set({
        "name": "ops", "timezone": "UTC", "standup_time": "09:00", "reminder_time": "08:30",
        "days": [0], "channel": "#ops"})
    db.collection("member_prefs").document("U1").set({"user_id": "U1"})
    assert firestore_store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
    assert firestore_store.get_member_prefs("U1") == MemberPrefs("U1")


def test_the_dm_channel_is_kept_apart_from_the_zone_and_the_nudge_choice(store: Store) -> None:
    store.save_member_zone("U1", "Asia/Tokyo", T0)
    store.set_nudges("U1", False)
    store.save_dm_channel("U1", "DU1")
    assert store.get_member_prefs("U1") == MemberPrefs("U1", "Asia/Tokyo", T0, False, "DU1")
    store.save_member_zone("U1", None, T1)  # a zone refresh keeps the DM channel
    store.set_nudges("U1", True)
    assert store.get_member_prefs("U1") == MemberPrefs("U1", None, T1, True, "DU1")
    store.save_dm_channel("U2", "DU2")  # before anything else was kept
    assert store.list_member_prefs(["U2"]) == [MemberPrefs("U2", dm_channel="DU2")]


def test_a_schema_9_sqlite_file_gains_the_dm_channel(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SqliteStore(str(path)).close()
    with sqlite3.connect(path) as raw:  # as a schema-9 file had it
        raw.execute("ALTER TABLE member_prefs DROP COLUMN dm_channel")
        raw.execute("INSERT INTO member_prefs (user_id, tz, nudges) VALUES ('U1', 'UTC', 0)")
        raw.execute("PRAGMA user_version = 9")
    raw.close()
    store = SqliteStore(str(path))
    try:
        assert store.get_member_prefs("U1") == MemberPrefs("U1", "UTC", None, False)
        store.save_dm_channel("U1", "DU1")
        assert store.get_member_prefs("U1") == MemberPrefs("U1", "UTC", None, False, "DU1")
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_a_firestore_document_without_a_dm_channel_reads_as_not_known(
    firestore_store: FirestoreStore,
) -> None:
    firestore_store.client.collection("member_prefs").document("U1").set(
        {"user_id": "U1", "tz": "UTC"})
    assert firestore_store.get_member_prefs("U1") == MemberPrefs("U1", "UTC")
    firestore_store.save_dm_channel("U1", "DU1")
    assert firestore_store.get_member_prefs("U1") == MemberPrefs("U1", "UTC", dm_channel="DU1")
