"""A team's standup questions: what a valid list is, how it is edited, what a blocker is.

Pure rules shared by `marvin team questions` and the modal. A team has 1 to
`MAX_QUESTIONS` questions, each with a label of at most `MAX_LABEL` characters: Slack
allows 2,000 in an input block's label, but a label is read at a glance above a text box
and repeated over every answer in the digest, so a short one is kept short.

Example::

    questions = add_question(DEFAULT_QUESTIONS, "Mood?", required=False)
    questions = move_question(questions, 4, 1)   # positions count from 1
    check_questions(questions)
"""

from __future__ import annotations

from collections.abc import Sequence

from marvin.domain.models import DEFAULT_QUESTIONS, Answer, Question
from marvin.domain.slack_limits import slack_len

__all__ = [
    "DEFAULT_QUESTIONS",
    "MAX_ANSWER_CHARS",
    "MAX_LABEL",
    "MAX_QUESTIONS",
    "NO_BLOCKER_WORDS",
    "add_question",
    "check_questions",
    "is_blocker",
    "move_question",
    "remove_question",
]

MAX_QUESTIONS = 10
MAX_LABEL = 150
MAX_ANSWER_CHARS = 3000
"""Characters one answer may hold: Slack's ``max_length`` ceiling for a plain_text_input,
so the modal itself stops the person at the same limit the store checks."""

NO_BLOCKER_WORDS = frozenset({
    "", "-", "--", "n/a", "na", "no", "none", "nope", "nothing", "no blockers", "no blocker",
    "nothing blocking", "not blocked",
})
"""Answers to a blockers question that mean "not blocked" (compared lower-cased, with
surrounding spaces and a final ``.`` or ``!`` removed): such a person is not listed under
"Blockers" in the digest."""


def check_label(label: str) -> str:
    """The label with outer spaces removed; ValueError when empty or too long."""
    cleaned = " ".join(label.split())
    if not cleaned:
        raise ValueError("a question needs a label")
    if slack_len(cleaned) > MAX_LABEL:
        raise ValueError(f"a question label holds at most {MAX_LABEL} characters, "
                         f"this one has {slack_len(cleaned)}")
    return cleaned


def check_questions(questions: Sequence[Question]) -> None:
    """ValueError when `questions` is not a list a team may have."""
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ValueError(f"a team has 1 to {MAX_QUESTIONS} questions, not {len(questions)}")
    ids = [question.id for question in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("two questions share an id")
    for question in questions:
        if not question.id.isascii() or not question.id.isalnum() or len(question.id) > 16:
            raise ValueError(f"bad question id {question.id!r}")
        if check_label(question.label) != question.label:
            raise ValueError(f"question label {question.label!r} has extra spaces")


def add_question(
    questions: Sequence[Question], label: str, *, required: bool = True, blockers: bool = False
) -> tuple[Question, ...]:
    """`questions` with a new one at the end, under an id no question has had here."""
    if len(questions) >= MAX_QUESTIONS:
        raise ValueError(f"a team has at most {MAX_QUESTIONS} questions: remove one first")
    used = {q.id for q in questions} | {q.id for q in DEFAULT_QUESTIONS}
    number = 1
    while f"q{number}" in used:
        number += 1
    added = Question(f"q{number}", check_label(label), required=required, blockers=blockers)
    return (*questions, added)


def remove_question(questions: Sequence[Question], position: int) -> tuple[Question, ...]:
    """`questions` without the one at `position` (from 1); a team keeps at least one."""
    _check_position(questions, position)
    if len(questions) == 1:
        raise ValueError("a team keeps at least one question")
    return tuple(q for n, q in enumerate(questions, 1) if n != position)


def move_question(
    questions: Sequence[Question], position: int, to: int
) -> tuple[Question, ...]:
    """`questions` with the one at `position` moved to `to` (both from 1)."""
    _check_position(questions, position)
    _check_position(questions, to)
    moved = list(questions)
    moved.insert(to - 1, moved.pop(position - 1))
    return tuple(moved)


def is_blocker(answer: Answer) -> bool:
    """An answer to a blockers question that says something other than "none"."""
    if not answer.blockers:
        return False
    said = " ".join(answer.text.split()).lower().rstrip(".!").strip()
    return said not in NO_BLOCKER_WORDS


def _check_position(questions: Sequence[Question], position: int) -> None:
    if not 1 <= position <= len(questions):
        raise ValueError(f"no question {position}: positions go from 1 to {len(questions)}")
