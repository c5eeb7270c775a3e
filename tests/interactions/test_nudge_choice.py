"""`/standup nudges off|on`: the choice is kept per person, said back, and checked."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.interactions.standup_command import HELP, Command, handle_standup, parse_command
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import failing, make_settings

USER = "U0ALICE"
NOW = dt.datetime(2026, 6, 8, 8, 0, tzinfo=dt.UTC)


def standup(store: SqliteStore, text: str) -> tuple[str, bool]:
    reply = handle_standup(store, make_settings(), user_id=USER, user_name="alice", text=text,
                           now=NOW)
    return reply.text, reply.ok


@pytest.mark.parametrize(("text", "expected"), [
    ("nudges off", Command("nudges", "off")),
    ("NUDGES On", Command("nudges", "On")),
    ("nudges", Command("nudges", "")),
    ("nudges were annoying today", Command("update", "nudges were annoying today")),
])
def test_parse_nudges(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


def test_nudges_off_then_on_is_kept_and_said(sqlite_store: SqliteStore) -> None:
    text, ok = standup(sqlite_store, "nudges")
    assert ok and text.startswith("Nudges before standup are *on* for you.")

    text, ok = standup(sqlite_store, "nudges off")
    assert ok and text.startswith("Nudges are off")
    prefs = sqlite_store.get_member_prefs(USER)
    assert prefs is not None and not prefs.nudges
    assert standup(sqlite_store, "nudges")[0].startswith("Nudges before standup are *off*")

    text, ok = standup(sqlite_store, "nudges ON")
    assert ok and text.startswith("Nudges are on")
    prefs = sqlite_store.get_member_prefs(USER)
    assert prefs is not None and prefs.nudges


def test_a_choice_other_than_on_or_off_changes_nothing(sqlite_store: SqliteStore) -> None:
    text, ok = standup(sqlite_store, "nudges maybe")
    assert not ok
    assert text.startswith("`/standup nudges` takes `on` or `off`; nothing was changed.")
    assert sqlite_store.get_member_prefs(USER) is None


def test_a_store_that_fails_says_nothing_changed(sqlite_store: SqliteStore) -> None:
    reply = handle_standup(failing(sqlite_store, "set_nudges"), make_settings(), user_id=USER,
                           user_name="alice", text="nudges off", now=NOW)
    assert not reply.ok and "nothing was changed" in reply.text


def test_help_lists_the_nudge_choice() -> None:
    assert "`/standup nudges off` (or `on`)" in HELP
