"""`marvin team questions`: list, add, remove, move and reset a team's questions."""

from __future__ import annotations

from marvin.domain.models import DEFAULT_QUESTIONS, Question
from marvin.domain.questions import MAX_LABEL
from marvin.store.sqlite.store import SqliteStore
from tests.cli.harness import Cli


def stored_questions(runner: Cli, team: str = "default") -> tuple[Question, ...]:
    store = SqliteStore(str(runner.db))
    try:
        found = store.get_team(team)
        return found.questions if found else DEFAULT_QUESTIONS
    finally:
        store.close()


def test_list_add_move_remove_and_reset(cli: Cli) -> None:  # noqa: F811
    listed = cli("team", "questions", "default")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1:] == [
        "1. What did you do since the last standup?", "2. What will you do today?",
        "3. Anything blocking you? (optional, blockers)"]

    added = cli("team", "questions", "default", "add", "  Mood   today? ", "--optional")
    assert added.returncode == 0, added.stderr
    assert added.stdout.splitlines()[-1] == "4. Mood today? (optional)"
    assert stored_questions(cli)[-1] == Question("q4", "Mood today?", required=False)

    moved = cli("team", "questions", "default", "move", "4", "1")
    assert moved.returncode == 0, moved.stderr
    assert [q.id for q in stored_questions(cli)] == ["q4", "q1", "q2", "q3"]

    removed = cli("team", "questions", "default", "remove", "2")
    assert removed.returncode == 0, removed.stderr
    assert [q.id for q in stored_questions(cli)] == ["q4", "q2", "q3"]

    assert cli("team", "questions", "default", "reset").returncode == 0
    assert stored_questions(cli) == DEFAULT_QUESTIONS


def test_bad_input_is_one_clear_line_and_changes_nothing(cli: Cli) -> None:  # noqa: F811
    cases = {
        ("remove", "9"): "no question 9: positions go from 1 to 3",
        ("remove", "x"): "expected a question number like 1, got 'x'",
        ("move", "1"): "usage: marvin team questions TEAM move N M",
        ("add", ""): "a question needs a label",
        ("add", "y" * (MAX_LABEL + 1)): f"at most {MAX_LABEL} characters",
        ("frob",): "expected one of list, add, remove, move, reset",
        ("list", "--blockers"): "only with add",
    }
    for args, message in cases.items():
        result = cli("team", "questions", "default", *args)
        assert result.returncode == 2, args
        assert message in result.stderr and result.stderr.count("\n") == 1, result.stderr
    unknown = cli("team", "questions", "nope")
    assert unknown.returncode == 2 and "create it with `marvin team set nope`" in unknown.stderr
    assert stored_questions(cli) == DEFAULT_QUESTIONS


def test_a_team_keeps_between_one_and_ten_questions(cli: Cli) -> None:  # noqa: F811
    for n in range(7):
        assert cli("team", "questions", "default", "add", f"Q{n}").returncode == 0
    full = cli("team", "questions", "default", "add", "one too many")
    assert full.returncode == 2 and "at most 10 questions" in full.stderr
    for _ in range(9):
        assert cli("team", "questions", "default", "remove", "1").returncode == 0
    last = cli("team", "questions", "default", "remove", "1")
    assert last.returncode == 2 and "at least one question" in last.stderr
