"""The `Store` contract for questions, answers and skips, on SQLite and on Firestore."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from marvin.domain.models import DEFAULT_QUESTIONS, Answer, Question, Team, Update
from marvin.store import Store
from marvin.store.base import MAX_UPDATE_BYTES, UpdateFull
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.schema import SCHEMA_VERSION
from marvin.store.sqlite.store import SqliteStore
from tests.store.test_contract import race

DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=1)
DID = Answer("q1", "What did you do?", "shipped")
BLOCKED = Answer("q3", "Anything blocking you?", "the build", blockers=True)


def test_team_questions_round_trip_and_default(store: Store) -> None:
    store.save_team(Team("ops"))
    assert store.get_team("ops").questions == DEFAULT_QUESTIONS  # type: ignore[union-attr]
    questions = (Question("q2", "Mood?", required=False), Question("q7", "Blockers?",
                                                                    blockers=True))
    store.save_team(Team("ops", questions=questions))
    assert store.get_team("ops").questions == questions  # type: ignore[union-attr]
    assert store.list_teams()[0].questions == questions


def test_save_answers_replaces_answers_and_keeps_free_text(store: Store) -> None:
    store.append_update("ops", DAY, "U1", "typed", T0)
    saved = store.save_answers("ops", DAY, "U1", (DID, BLOCKED), T1)
    assert saved == Update("ops", DAY, "U1", ("typed",), T1, (DID, BLOCKED),
                           first_posted_at=T0)
    again = store.save_answers("ops", DAY, "U1", (DID,), T1)
    assert again.answers == (DID,) and again.entries == ("typed",)
    assert store.get_update("ops", DAY, "U1") == again
    appended = store.append_update("ops", DAY, "U1", "more", T1)
    assert appended.answers == (DID,) and appended.entries == ("typed", "more")
    assert store.list_updates("ops", DAY) == [appended]


def test_save_answers_creates_the_update(store: Store) -> None:
    saved = store.save_answers("ops", DAY, "U1", (DID,), T0)
    assert saved == Update("ops", DAY, "U1", (), T0, (DID,), first_posted_at=T0)
    assert store.get_update("ops", DAY, "U1") == saved


def test_set_skipped_keeps_what_was_written(store: Store) -> None:
    assert store.set_skipped("ops", DAY, "U1", True, T0).skipped
    store.save_answers("ops", DAY, "U1", (DID,), T1)
    update = store.get_update("ops", DAY, "U1")
    assert update is not None and update.skipped and update.answers == (DID,)
    assert not store.set_skipped("ops", DAY, "U1", False, T1).skipped
    assert store.get_update("ops", DAY, "U1").answers == (DID,)  # type: ignore[union-attr]
    assert store.clear_update("ops", DAY, "U1") is not None
    assert store.get_update("ops", DAY, "U1") is None


def test_answers_count_towards_the_update_size_cap(store: Store) -> None:
    store.append_update("ops", DAY, "U1", "x" * (MAX_UPDATE_BYTES - 100), T0)
    with pytest.raises(UpdateFull):
        store.save_answers("ops", DAY, "U1", (Answer("q1", "Q", "y" * 200),), T1)
    assert store.get_update("ops", DAY, "U1").answers == ()  # type: ignore[union-attr]


def test_concurrent_answers_and_appends_lose_nothing(store: Store) -> None:
    def write(i: int) -> Update:
        if i % 2:
            return store.append_update("ops", DAY, "U1", f"text {i}", T0)
        return store.save_answers("ops", DAY, "U1", (Answer("q1", "Q", f"answer {i}"),), T0)

    race(6, write)
    update = store.get_update("ops", DAY, "U1")
    assert update is not None
    assert sorted(update.entries) == ["text 1", "text 3", "text 5"]
    assert update.answers[0].text in {"answer 0", "answer 2", "answer 4"}


# Stored before questions existed ------------------------------------------------------------


def test_a_schema_2_sqlite_file_gains_questions_answers_and_skips(tmp_path: Path) -> None:
    path = str(tmp_path / "marvin.db")
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE teams (name TEXT PRIMARY KEY, timezone TEXT NOT NULL, "
                    "standup_time TEXT NOT NULL, reminder_time TEXT NOT NULL, "
                    "days TEXT NOT NULL, channel TEXT NOT NULL)")
        raw.execute("INSERT INTO teams VALUES ('ops', 'UTC', '09:00', '08:30', '[0]', '#ops')")
        raw.execute("CREATE TABLE updates (team TEXT NOT NULL, date TEXT NOT NULL, "
                    "user_id TEXT NOT NULL, entries TEXT NOT NULL, updated_at TEXT, "
                    "PRIMARY KEY (team, date, user_id))")
        raw.execute(f"INSERT INTO updates VALUES ('ops', '{DAY}', 'U1', '[\"old\"]', NULL)")
        raw.execute("PRAGMA user_version = 2")
    raw.close()
    store = SqliteStore(path)
    try:
        assert store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
        assert store.get_update("ops", DAY, "U1") == Update("ops", DAY, "U1", ("old",))
        assert store.save_answers("ops", DAY, "U1", (DID,), T0).entries == ("old",)
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


def test_firestore_documents_without_the_new_fields_read_with_defaults(
    firestore_store: FirestoreStore,
) -> None:
    db = firestore_store.client
    db.collection("teams").document("ops").set({
        "name": "ops", "timezone": "UTC", "standup_time": "09:00", "reminder_time": "08:30",
        "days": [0], "channel": "#ops"})
    db.collection("updates").document(f"ops__{DAY}__U1").set({
        "team": "ops", "date": DAY, "user_id": "U1", "entries": ["old"], "updated_at": T0})
    assert firestore_store.get_team("ops") == Team("ops", "UTC", "09:00", "08:30", (0,), "#ops")
    assert firestore_store.get_update("ops", DAY, "U1") == Update("ops", DAY, "U1", ("old",), T0)
    saved = firestore_store.save_answers("ops", DAY, "U1", (DID,), T1)
    assert saved.entries == ("old",) and saved.answers == (DID,)


def test_first_posted_at_is_the_first_write_that_says_something(store: Store) -> None:
    t2 = T1 + dt.timedelta(minutes=1)
    skipped = store.set_skipped("ops", DAY, "U1", True, T0)
    assert skipped.first_posted_at is None  # a skip alone says nothing
    assert store.save_answers("ops", DAY, "U1", (DID,), T1).first_posted_at == T1
    assert store.append_update("ops", DAY, "U1", "more", t2).first_posted_at == T1
    assert store.get_update("ops", DAY, "U1").first_posted_at == T1  # type: ignore[union-attr]
    store.clear_update("ops", DAY, "U1")
    assert store.append_update("ops", DAY, "U1", "again", t2).first_posted_at == t2


def test_an_update_stored_before_first_posts_were_kept_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    SqliteStore(str(path)).close()
    with sqlite3.connect(path) as raw:  # as a schema-3 file had it: no first_posted_at
        raw.execute("ALTER TABLE updates DROP COLUMN first_posted_at")
        raw.execute("INSERT INTO updates (team, date, user_id, entries, updated_at) "
                    "VALUES ('ops', ?, 'U1', '[\"old\"]', ?)", (DAY, T0.isoformat()))
        raw.execute("PRAGMA user_version = 3")
    store = SqliteStore(str(path))
    try:
        old = store.get_update("ops", DAY, "U1")
        assert old is not None and old.entries == ("old",) and old.first_posted_at is None
        later = store.append_update("ops", DAY, "U1", "new", T1)
        assert later.first_posted_at is None  # unknown stays unknown, not "now"
    finally:
        store.close()
