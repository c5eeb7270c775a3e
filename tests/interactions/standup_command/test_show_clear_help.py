"""`/standup show`, `clear` and `help`: what they answer, a long update cut short to what
Slack shows, with a note."""

from __future__ import annotations

import pytest

from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.slack_limits import MAX_EPHEMERAL_ANSWER, slack_len
from marvin.interactions.standup_command import (
    CUT_SHORT,
    HELP,
    MAX_UPDATE_CHARS,
    Reply,
)
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_limits_check import check_message
from tests.interactions.standup_command.support import (
    FRIDAY,
    SATURDAY,
    USER,
    Run,
)


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
