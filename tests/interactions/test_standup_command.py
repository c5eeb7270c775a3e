"""`/standup` as plain functions: `parse_command` and `handle_standup` on a real SqliteStore.

The clock is fixed and aware (November 2026, never today), so which standup an update
counts for is known exactly: Friday 20 November before 09:00 London time, Monday
23 November after it and over the weekend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.slack_limits import MAX_EPHEMERAL_ANSWER, slack_len
from marvin.interactions.standup_command import (
    CUT_SHORT,
    HELP,
    MAX_UPDATE_CHARS,
    NOT_SAVED,
    STORE_BUDGET,
    UNCONFIRMED,
    Command,
    Reply,
    handle_standup,
    parse_command,
)
from marvin.settings import Settings
from marvin.store.base import MAX_UPDATE_BYTES, OutcomeUnknown, Store, StoreError, time_left
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_limits_check import check_message

LONDON = ZoneInfo("Europe/London")
FRIDAY_BEFORE = dt.datetime(2026, 11, 20, 8, 0, tzinfo=LONDON)  # before Friday's 09:00
FRIDAY_AFTER = dt.datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)  # Friday's standup is over
SATURDAY = dt.datetime(2026, 11, 21, 12, 0, tzinfo=LONDON)
FRIDAY, MONDAY = "2026-11-20", "2026-11-23"
USER, NAME = "U123", "alice"


def make_settings(**overrides: Any) -> Settings:
    """Every field the slash command reads is explicit, so neither `.env` nor the
    environment of whoever runs the tests can change the answers."""
    fields: dict[str, Any] = {
        "timezone": "Europe/London",
        "standup_time": "09:00",
        "reminder_time": "08:30",
        "standup_days": "mon-fri",
        "standup_channel": "#general",
        **overrides,
    }
    return Settings(_env_file=None, **fields)  # type: ignore[call-arg]  # pydantic-settings


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    return sqlite_store


@pytest.fixture
def settings() -> Settings:
    return make_settings()


Run = Callable[..., Reply]


@pytest.fixture
def run(store: SqliteStore, settings: Settings) -> Run:
    """``run(text, now=..., user_id=...)``: one /standup by alice on Friday before standup."""

    def _run(text: str, *, now: dt.datetime = FRIDAY_BEFORE, user_id: str = USER,
             target: Store | None = None) -> Reply:
        return handle_standup(target or store, settings, user_id=user_id, user_name=NAME,
                              text=text, now=now)

    return _run


class FailingStore:
    """Wraps a real store; the named methods raise `StoreError` as a dead database would."""

    def __init__(self, inner: Store, failing: set[str] | None = None) -> None:
        self._inner = inner
        self._failing = failing  # None: every method fails

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if self._failing is None or name in self._failing:

            def fail(*args: object, **kwargs: object) -> Any:
                raise StoreError(f"{name}: database is locked")

            return fail
        return attr


def failing(inner: Store, *methods: str) -> Store:
    return cast(Store, FailingStore(inner, set(methods) if methods else None))


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


# show / clear / help ------------------------------------------------------------------------


def test_show(run: Run) -> None:
    assert "not in a standup team" in run("show").text

    run("join")
    assert run("show").text == "You have no update for *Friday 20 November* yet."

    run("yesterday: tests")
    run("today: docs")
    reply = run("show")
    assert reply.ok
    assert reply.text == "Your update for *Friday 20 November*:\nyesterday: tests\ntoday: docs"
    assert "*Monday 23 November* yet" in run("show", now=SATURDAY).text


def test_clear_shows_what_was_cleared(run: Run, store: SqliteStore) -> None:
    assert "nothing to clear" in run("clear").text

    run("yesterday: tests")
    run("today: docs")
    reply = run("clear")

    assert reply.ok
    assert reply.text == (
        "Cleared your update for *Friday 20 November*. It was:\nyesterday: tests\ntoday: docs"
    )
    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER) is None
    assert run("clear").text == "You had no update for *Friday 20 November*; nothing to clear."
    assert store.get_member(USER) is not None  # clearing is not leaving


@pytest.mark.parametrize("text", ["help", "HELP", "", "   ", "\t\n"])
def test_help(run: Run, store: SqliteStore, text: str) -> None:
    reply = run(text)

    assert reply == Reply(HELP)
    assert "/standup join [team]" in reply.text
    assert store.get_member(USER) is None


# join / leave -------------------------------------------------------------------------------


def test_join_default_team(run: Run, store: SqliteStore) -> None:
    reply = run("join")

    assert reply.ok and reply.text.startswith("Welcome to team *default*!")
    assert store.get_member(USER) == Member(USER, DEFAULT_TEAM, NAME, joined_on=FRIDAY)
    assert run("join default").text == "You are already in team *default*."


def test_join_named_team_moves_member_and_posts_use_its_schedule(
    run: Run, store: SqliteStore
) -> None:
    store.save_team(Team("ops", timezone="America/New_York", standup_time="10:00",
                         days=(0, 1, 2, 3, 4), channel="#ops"))
    run("join")

    reply = run("join ops")

    assert reply.ok
    assert reply.text.startswith("Welcome to team *ops* (moved from *default*)!")
    assert store.get_member(USER) == Member(USER, "ops", NAME, joined_on=FRIDAY)
    # 10:30 London is 05:30 in New York, before the ops team's 10:00: Friday's standup.
    posted = run("rolled out", now=dt.datetime(2026, 11, 20, 10, 30, tzinfo=LONDON))
    assert "*Friday 20 November*" in posted.text
    assert "posted to #ops at 10:00 (America/New_York)" in posted.text
    assert store.get_update("ops", FRIDAY, USER) is not None
    assert store.list_updates(DEFAULT_TEAM, MONDAY) == []


def test_join_unknown_team_says_so_and_saves_nothing(run: Run, store: SqliteStore) -> None:
    store.save_team(Team("ops"))

    reply = run("join nope")

    assert not reply.ok
    assert reply.text.startswith("There is no team *nope*. Teams: ")
    assert "ops" in reply.text
    assert store.get_member(USER) is None


def test_unknown_team_answer_lists_the_default_team(run: Run, store: SqliteStore) -> None:
    store.save_team(Team("ops"))

    assert run("join nope").text == "There is no team *nope*. Teams: default, ops."


def test_join_refuses_a_name_no_team_can_have(run: Run, store: SqliteStore) -> None:
    reply = run("join " + "x" * 1480)

    assert not reply.ok and "not a team name" in reply.text and "80" in reply.text
    assert store.get_member(USER) is None


def test_join_unknown_team_keeps_the_current_team(run: Run, store: SqliteStore) -> None:
    run("join")

    reply = run("join <!channel>")

    assert not reply.ok and "&lt;!channel&gt;" in reply.text and "<!channel>" not in reply.text
    assert store.get_member(USER) == Member(USER, DEFAULT_TEAM, NAME, joined_on=FRIDAY)


def test_leave(run: Run, store: SqliteStore) -> None:
    assert run("leave").text == "You were not in a standup team."

    run("join")
    reply = run("leave")

    assert reply.ok and reply.text.startswith("You have left standup")
    assert store.get_member(USER) is None
    assert run("leave").text == "You were not in a standup team."


def test_join_and_leave_dates_are_the_standups_they_take_effect_for(
    run: Run, store: SqliteStore
) -> None:
    """Joined after Friday's standup: first counted on Monday. Left on Monday after its
    standup: Monday still counted, gone from Tuesday. Kept, as former, for statistics."""
    run("join", now=FRIDAY_AFTER)
    assert store.get_member(USER) == Member(USER, DEFAULT_TEAM, NAME, joined_on=MONDAY)

    run("leave", now=dt.datetime(2026, 11, 23, 9, 30, tzinfo=LONDON))

    assert store.get_member(USER) is None
    assert store.list_members(DEFAULT_TEAM) == []
    assert store.list_members(DEFAULT_TEAM, include_former=True) == [
        Member(USER, DEFAULT_TEAM, NAME, joined_on=MONDAY, left_on="2026-11-24")]
    # back on Wednesday after standup: a new membership from Thursday's
    run("join", now=dt.datetime(2026, 11, 25, 12, 0, tzinfo=LONDON))
    assert store.get_member(USER) == Member(USER, DEFAULT_TEAM, NAME, joined_on="2026-11-26")


# a dead store -------------------------------------------------------------------------------


@pytest.mark.parametrize("methods", [(), ("append_update",), ("get_member",)],
                         ids=["every-call", "append", "first-read"])
def test_store_error_on_post_says_not_saved(
    run: Run, store: SqliteStore, methods: tuple[str, ...]
) -> None:
    reply = run("did things", target=failing(store, *methods))

    assert reply == Reply(NOT_SAVED, ok=False)
    assert "not saved" in reply.text and "Thanks" not in reply.text
    assert store.list_updates(DEFAULT_TEAM, FRIDAY) == []


@pytest.mark.parametrize("text", ["show", "clear", "join", "leave"])
def test_store_error_on_other_commands_says_nothing_changed(
    run: Run, store: SqliteStore, text: str
) -> None:
    run("did things")

    reply = run(text, target=failing(store))

    assert not reply.ok
    assert "nothing was changed" in reply.text
    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER) is not None
    assert store.get_member(USER) is not None


class LostAnswerStore:
    """Wraps a real store; `method` does its work, then raises `OutcomeUnknown`, as a
    store whose answer was lost and that could not read it back would."""

    def __init__(self, inner: Store, method: str) -> None:
        self._inner, self._method = inner, method

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def applied_then_lost(*args: Any, **kwargs: Any) -> Any:
            attr(*args, **kwargs)
            raise OutcomeUnknown(f"{name}: the answer was lost")

        return applied_then_lost


def test_a_post_whose_fate_is_unknown_says_so_and_never_not_saved(
    run: Run, store: SqliteStore
) -> None:
    """Saying "not saved" would make the user post it again: twice in the digest."""
    reply = run("did things", target=cast(Store, LostAnswerStore(store, "append_update")))

    assert reply == Reply(UNCONFIRMED, ok=False)
    assert "/standup show" in reply.text and "not saved" not in reply.text
    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER).entries == ("did things",)  # type: ignore[union-attr]


def test_a_clear_whose_fate_is_unknown_says_so(run: Run, store: SqliteStore) -> None:
    run("did things")

    reply = run("clear", target=cast(Store, LostAnswerStore(store, "clear_update")))

    assert not reply.ok
    assert "could not confirm" in reply.text and "nothing was changed" not in reply.text


def test_the_store_gets_a_deadline_within_slacks_three_seconds(
    run: Run, store: SqliteStore
) -> None:
    """Every store call of one `/standup` runs under `STORE_BUDGET`, which is below the
    3 s Slack waits for an answer."""
    seen: list[float | None] = []

    class Watching:
        def __getattr__(self, name: str) -> Any:
            attr = getattr(store, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                seen.append(time_left(name))
                return attr(*args, **kwargs)

            return call

    assert "Thanks" in run("did things", target=cast(Store, Watching())).text
    assert seen and all(left is not None and 0 < left <= STORE_BUDGET < 3 for left in seen)


@pytest.mark.parametrize("move", ["leave", "join ops"])
def test_clear_after_leaving_removes_the_posted_update(
    run: Run, store: SqliteStore, move: str
) -> None:
    store.save_team(Team("ops"))
    run("something I regret")
    run(move)

    run("clear")

    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER) is None  # would be in the digest


@pytest.mark.parametrize("text", ["did things", "show", "clear"])
def test_member_of_a_deleted_team_gets_a_clear_answer(
    run: Run, store: SqliteStore, text: str
) -> None:
    store.save_team(Team("ops"))
    run("join ops")
    store.delete_team("ops")  # documented: "its members stay, orphaned"

    reply = run(text)

    assert not reply.ok
    assert "/standup join" in reply.text


def test_show_and_clear_of_a_long_update_are_cut_short_with_a_note(run: Run) -> None:
    """Slack shows at most 3,000 characters in the answer: the rest is not lost (it is
    saved and in the digest), and the answer says so."""
    text = "&<👍🏽 " * (MAX_UPDATE_CHARS // 6)  # escapes and emoji make it longer still
    assert run(text).ok

    shown, cleared = run("show"), run("clear")

    for reply in (shown, cleared):
        assert reply.ok
        assert slack_len(reply.text) <= MAX_EPHEMERAL_ANSWER
        assert reply.text.endswith(CUT_SHORT.format(limit=MAX_EPHEMERAL_ANSWER))
        body = reply.text.split(":\n", 1)[1].removesuffix(
            CUT_SHORT.format(limit=MAX_EPHEMERAL_ANSWER))
        assert body.endswith("…")
        assert escape_mrkdwn(text).startswith(body.removesuffix("…"))  # no entity cut
    assert check_message({"channel": "C1", "text": shown.text}) is None
    assert "Cleared your update" in cleared.text


def test_short_answers_are_not_touched(run: Run) -> None:
    run("shipped it")
    assert run("show").text.endswith("\nshipped it")
