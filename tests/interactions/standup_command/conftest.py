"""The `/standup` command tests' fixtures: a real SqliteStore, the settings, `run`."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.interactions.standup_command import Reply, handle_standup
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import FRIDAY_BEFORE, NAME, USER, Run, make_settings


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    return sqlite_store


@pytest.fixture
def settings() -> Settings:
    return make_settings()



@pytest.fixture
def run(store: SqliteStore, settings: Settings) -> Run:
    """``run(text, now=..., user_id=...)``: one /standup by alice on Friday before standup."""

    def _run(text: str, *, now: dt.datetime = FRIDAY_BEFORE, user_id: str = USER,
             target: Store | None = None) -> Reply:
        return handle_standup(target or store, settings, user_id=user_id, user_name=NAME,
                              text=text, now=now)

    return _run
