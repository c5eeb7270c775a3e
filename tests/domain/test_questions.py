"""A team's questions: the list a team may have, and how it is edited."""

from __future__ import annotations

import pytest

from marvin.domain.models import DEFAULT_QUESTIONS, Question
from marvin.domain.questions import (
    MAX_LABEL,
    MAX_QUESTIONS,
    add_question,
    check_questions,
    move_question,
    remove_question,
)


def test_the_defaults_are_valid_and_the_last_is_the_optional_blockers_question() -> None:
    check_questions(DEFAULT_QUESTIONS)
    assert [q.label for q in DEFAULT_QUESTIONS] == [
        "What did you do since the last standup?", "What will you do today?",
        "Anything blocking you?"]
    assert DEFAULT_QUESTIONS[-1] == Question("q3", "Anything blocking you?", required=False,
                                             blockers=True)


def test_add_gives_a_fresh_id_and_cleans_the_label() -> None:
    added = add_question(DEFAULT_QUESTIONS, "  Mood \n today? ", required=False)
    assert added[-1] == Question("q4", "Mood today?", required=False)
    after_removal = add_question(remove_question(added, 1), "Again")
    assert after_removal[-1].id == "q5"  # never q1 again: a default's id stays its own
    check_questions(after_removal)


def test_move_and_remove_count_from_one() -> None:
    moved = move_question(DEFAULT_QUESTIONS, 3, 1)
    assert [q.id for q in moved] == ["q3", "q1", "q2"]
    assert [q.id for q in remove_question(moved, 2)] == ["q3", "q2"]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda qs: add_question(qs, " "), "needs a label"),
    (lambda qs: add_question(qs, "x" * (MAX_LABEL + 1)), f"at most {MAX_LABEL}"),
    (lambda qs: remove_question(qs, 0), "no question 0"),
    (lambda qs: move_question(qs, 1, 4), "no question 4"),
    (lambda qs: remove_question(qs[:1], 1), "at least one"),
])
def test_bad_edits_say_why(edit, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        edit(DEFAULT_QUESTIONS)


def test_a_team_has_one_to_ten_questions_with_unique_ids() -> None:
    questions = DEFAULT_QUESTIONS
    while len(questions) < MAX_QUESTIONS:
        questions = add_question(questions, f"Q{len(questions)}")
    check_questions(questions)
    with pytest.raises(ValueError, match="at most 10"):
        add_question(questions, "one more")
    with pytest.raises(ValueError, match="1 to 10"):
        check_questions(())
    with pytest.raises(ValueError, match="share an id"):
        check_questions((Question("q1", "A"), Question("q1", "B")))
