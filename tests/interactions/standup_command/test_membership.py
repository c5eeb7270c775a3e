"""`/standup join` and `leave`: which team, from which standup, and a member whose team
is gone."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import (
    FRIDAY,
    FRIDAY_AFTER,
    LONDON,
    MONDAY,
    NAME,
    USER,
    Run,
)


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
