"""`/standup` parsing and posting: which command a text is, which standup an update is for,
what is stored and how it is shown."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.interactions.standup_command import (
    MAX_UPDATE_CHARS,
    Command,
    handle_standup,
    parse_command,
)
from marvin.store.base import MAX_UPDATE_BYTES
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import (
    FRIDAY,
    FRIDAY_AFTER,
    FRIDAY_BEFORE,
    LONDON,
    MONDAY,
    NAME,
    SATURDAY,
    USER,
    Run,
    make_settings,
)

# parse_command ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("did things", Command("update", "did things")),
        ("show", Command("show")),
        ("  SHOW  ", Command("show")),
        ("clear", Command("clear")),
        ("help", Command("help")),
        ("", Command("form")),
        ("   ", Command("form")),
        ("\n\t ", Command("form")),
        ("join", Command("join", "")),
        ("join ops", Command("join", "ops")),
        ("join  ops ", Command("join", "ops")),
        ("leave", Command("leave")),
        # a keyword followed by more words is an update that happens to start with it
        ("show something", Command("update", "show something")),
        ("clear the backlog", Command("update", "clear the backlog")),
        ("help the new hire", Command("update", "help the new hire")),
        ("leave early today", Command("update", "leave early today")),
        ("join the design review", Command("update", "join the design review")),
        ("show\nthe demo", Command("update", "show\nthe demo")),
    ],
)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


# posting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "date", "shown"),
    [
        (FRIDAY_BEFORE, FRIDAY, "Friday 20 November"),
        (FRIDAY_AFTER, MONDAY, "Monday 23 November"),
        (dt.datetime(2026, 11, 20, 9, 0, tzinfo=LONDON), MONDAY, "Monday 23 November"),
        (SATURDAY, MONDAY, "Monday 23 November"),
        (dt.datetime(2026, 11, 22, 23, 59, tzinfo=LONDON), MONDAY, "Monday 23 November"),
    ],
    ids=["friday-before-standup", "friday-after-standup", "at-standup-time", "saturday",
         "sunday-night"],
)
def test_post_names_and_stores_the_active_standup_date(
    run: Run, store: SqliteStore, now: dt.datetime, date: str, shown: str
) -> None:
    reply = run("shipped the digest", now=now)

    assert reply.ok
    assert reply.text.startswith(f"Thanks! Saved your update for *{shown}*.")
    assert "posted to #general at 09:00 (Europe/London)" in reply.text
    update = store.get_update(DEFAULT_TEAM, date, USER)
    assert update is not None and update.entries == ("shipped the digest",)
    assert store.list_updates(DEFAULT_TEAM, FRIDAY if date == MONDAY else MONDAY) == []


def test_standup_date_is_the_teams_local_date_not_utc(store: SqliteStore) -> None:
    # 21:00 UTC on Thursday is 10:00 on Friday in Auckland (UTC+13): Friday's standup is over.
    settings = make_settings(timezone="Pacific/Auckland")
    now = dt.datetime(2026, 11, 19, 21, 0, tzinfo=dt.UTC)

    reply = handle_standup(store, settings, user_id=USER, user_name=NAME, text="kia ora", now=now)

    assert "*Monday 23 November*" in reply.text
    assert store.get_update(DEFAULT_TEAM, MONDAY, USER) is not None


def test_first_post_auto_joins_the_default_team(run: Run, store: SqliteStore) -> None:
    assert store.get_member(USER) is None

    reply = run("did things")

    assert store.get_member(USER) == Member(USER, DEFAULT_TEAM, NAME, joined_on=FRIDAY)
    assert "You have joined team *default*" in reply.text
    assert "joined" not in run("more things").text  # only the first time


def test_posting_again_appends(run: Run, store: SqliteStore) -> None:
    run("yesterday: tests")
    reply = run("today: docs")

    assert "*Friday 20 November* (part 2)." in reply.text
    update = store.get_update(DEFAULT_TEAM, FRIDAY, USER)
    assert update is not None
    assert update.entries == ("yesterday: tests", "today: docs")
    assert update.text == "yesterday: tests\ntoday: docs"


def test_update_starting_with_a_keyword_is_an_update(run: Run, store: SqliteStore) -> None:
    reply = run("show something to the team")

    assert reply.ok and reply.text.startswith("Thanks!")
    update = store.get_update(DEFAULT_TEAM, FRIDAY, USER)
    assert update is not None and update.entries == ("show something to the team",)


def test_too_long_update_is_rejected_and_nothing_is_stored(run: Run, store: SqliteStore) -> None:
    reply = run("x" * (MAX_UPDATE_CHARS + 1))

    assert not reply.ok
    assert "Nothing was saved" in reply.text and "20,000" in reply.text
    assert "Thanks" not in reply.text
    assert store.get_member(USER) is None  # not even auto-joined
    assert store.list_updates(DEFAULT_TEAM, FRIDAY) == []


def test_update_at_the_limit_is_saved(run: Run, store: SqliteStore) -> None:
    assert run("x" * MAX_UPDATE_CHARS).ok
    update = store.get_update(DEFAULT_TEAM, FRIDAY, USER)
    assert update is not None and len(update.text) == MAX_UPDATE_CHARS


def test_a_full_update_says_so_and_how_to_start_over(run: Run, store: SqliteStore) -> None:
    emoji = "👍" * MAX_UPDATE_CHARS  # 80,000 UTF-8 bytes a time
    answers = [run(emoji) for _ in range(MAX_UPDATE_BYTES // (4 * MAX_UPDATE_CHARS) + 1)]

    assert all(a.ok for a in answers[:-1])
    full = answers[-1]
    assert not full.ok and "Thanks" not in full.text
    assert "is full" in full.text and "not saved" in full.text
    assert "`/standup clear`" in full.text and "Friday" in full.text
    update = store.get_update(DEFAULT_TEAM, FRIDAY, USER)
    assert update is not None and len(update.entries) == len(answers) - 1
    assert run("clear").ok and run("a fresh start").ok


def test_mentions_are_stored_exactly_but_shown_escaped(run: Run, store: SqliteStore) -> None:
    text = "<!channel> shipped <@U999> & <https://evil.example|docs>"

    run(text)

    update = store.get_update(DEFAULT_TEAM, FRIDAY, USER)
    assert update is not None and update.entries == (text,)
    escaped = "&lt;!channel&gt; shipped &lt;@U999&gt; &amp; &lt;https://evil.example|docs&gt;"
    shown = run("show").text
    assert escaped in shown and "<!channel>" not in shown and "<@U999>" not in shown
    cleared = run("clear").text
    assert escaped in cleared and "<!channel>" not in cleared
