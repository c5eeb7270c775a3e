"""Questions and answers as plain dicts: the stored layout both stores share.

SQLite keeps them as JSON text, Firestore as arrays of maps; either way the field names
below are the stored layout. A record written before questions existed has none: the
team reads as having `DEFAULT_QUESTIONS`, the update as having no answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from marvin.domain.models import DEFAULT_QUESTIONS, Answer, Holiday, Question


def questions_to_list(questions: Sequence[Question]) -> list[dict[str, Any]]:
    return [{"id": q.id, "label": q.label, "required": q.required, "blockers": q.blockers}
            for q in questions]


def questions_from_list(items: Sequence[dict[str, Any]] | None) -> tuple[Question, ...]:
    if not items:  # stored before teams had questions
        return DEFAULT_QUESTIONS
    return tuple(Question(str(d["id"]), str(d["label"]), bool(d.get("required", True)),
                          bool(d.get("blockers", False))) for d in items)


def answers_to_list(answers: Sequence[Answer]) -> list[dict[str, Any]]:
    return [{"question_id": a.question_id, "question": a.question, "text": a.text,
             "blockers": a.blockers} for a in answers]


def answers_from_list(items: Sequence[dict[str, Any]] | None) -> tuple[Answer, ...]:
    return tuple(Answer(str(d["question_id"]), str(d["question"]), str(d["text"]),
                        bool(d.get("blockers", False))) for d in items or ())


def holidays_to_list(days: Sequence[Holiday]) -> list[dict[str, Any]]:
    return [{"date": day.date, "name": day.name} for day in days]


def holidays_from_list(items: Sequence[dict[str, Any]] | None) -> tuple[Holiday, ...]:
    """A team's custom holidays (None, for a team stored before they existed: none)."""
    return tuple(Holiday(str(item["date"]), str(item["name"])) for item in items or ())
