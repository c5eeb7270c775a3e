"""The modal in which an admin edits a team's questions from App Home, and reading it back.

One slot per possible question (`MAX_QUESTIONS`), in order: a label (blank: no question
there) and two checkboxes, *optional* and *blockers*. A slot that held a question keeps
that question's id (carried in the view's private metadata), so answers already given
stay with it when its label is reworded; a new slot gets an id no question had. The
same rules as ``marvin team questions``: 1 to 10 questions, labels of at most 150
characters. What is wrong is answered under the slot's label, and nothing is saved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from marvin.domain.models import Question, Team
from marvin.domain.questions import MAX_LABEL, MAX_QUESTIONS, add_question, check_label

QUESTIONS_VIEW = "questions.edit"  # the view's callback_id
OPTIONAL, BLOCKERS = "optional", "blockers"


@dataclass(frozen=True)
class QuestionsSubmission:
    """The team a submitted view is for and either its new questions or the errors."""

    team: str
    changed: Team | None
    errors: dict[str, str]


def label_block(slot: int) -> str:
    return f"label-{slot}"


def flags_block(slot: int) -> str:
    return f"flags-{slot}"


def questions_modal(team: Team) -> dict[str, Any]:
    """The edit-questions modal for `team`, prefilled with its questions in order."""
    questions = list(team.questions)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": (
        f"Team *{team.name}*: up to {MAX_QUESTIONS} questions, asked in this order. Leave a "
        "label blank to remove that question.")}}]
    for slot in range(1, MAX_QUESTIONS + 1):
        question = questions[slot - 1] if slot <= len(questions) else None
        label: dict[str, Any] = {"type": "plain_text_input", "action_id": label_block(slot),
                                 "max_length": MAX_LABEL}
        if question is not None:
            label["initial_value"] = question.label
        blocks.append({"type": "input", "block_id": label_block(slot), "optional": True,
                       "label": _plain(f"Question {slot}"), "element": label})
        flags: dict[str, Any] = {"type": "checkboxes", "action_id": flags_block(slot),
                                 "options": [_option(OPTIONAL, "Optional"),
                                             _option(BLOCKERS, "Blockers question")]}
        chosen = [] if question is None else [
            _option(OPTIONAL, "Optional")] * (not question.required) + [
            _option(BLOCKERS, "Blockers question")] * question.blockers
        if chosen:
            flags["initial_options"] = chosen
        blocks.append({"type": "input", "block_id": flags_block(slot), "optional": True,
                       "label": _plain(f"Question {slot}: options"), "element": flags})
    ids = [question.id for question in questions]
    return {
        "type": "modal",
        "callback_id": QUESTIONS_VIEW,
        "private_metadata": json.dumps({"team": team.name, "ids": ids}),
        "title": _plain("Team questions"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": blocks,
    }


def read_questions(team: Team, view: dict[str, Any]) -> QuestionsSubmission:
    """The submitted questions applied to `team`, or the errors by block id."""
    values = _values(view)
    ids = _ids(view)
    errors: dict[str, str] = {}
    kept: list[Question] = []
    new: list[tuple[int, str, bool, bool]] = []
    for slot in range(1, MAX_QUESTIONS + 1):
        text = _text(values, label_block(slot))
        if not text.strip():
            continue
        try:
            label = check_label(text)
        except ValueError as exc:
            errors[label_block(slot)] = str(exc)[:150]
            continue
        flags = _chosen(values, flags_block(slot))
        required, blockers = OPTIONAL not in flags, BLOCKERS in flags
        if slot <= len(ids) and ids[slot - 1] not in {q.id for q in kept}:
            kept.append(Question(ids[slot - 1], label, required=required, blockers=blockers))
        else:
            new.append((len(kept) + len(new), label, required, blockers))
    if not errors and not kept and not new:
        errors[label_block(1)] = "A team needs at least one question."
    if errors:
        return QuestionsSubmission(team.name, None, errors)
    questions = _with_new(kept, new)
    return QuestionsSubmission(team.name, replace(team, questions=questions), {})


def submitted_questions_team(view: dict[str, Any]) -> str | None:
    """The team a submitted questions view is for, or None when the metadata is not ours."""
    meta = _meta(view)
    name = meta.get("team")
    return name if isinstance(name, str) and name else None


def _with_new(kept: list[Question], new: list[tuple[int, str, bool, bool]]) -> tuple[
        Question, ...]:
    """`kept` with the new questions inserted at their slots, each under a fresh id."""
    questions: tuple[Question, ...] = tuple(kept)
    for position, label, required, blockers in new:
        added = add_question(questions, label, required=required, blockers=blockers)
        fresh = added[-1]
        questions = (*questions[:position], fresh, *questions[position:])
    return questions


def _meta(view: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except (ValueError, TypeError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _ids(view: dict[str, Any]) -> list[str]:
    ids = _meta(view).get("ids")
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _values(view: dict[str, Any]) -> dict[str, Any]:
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _element(values: dict[str, Any], block: str) -> dict[str, Any]:
    element = values.get(block)
    element = element.get(block) if isinstance(element, dict) else None
    return element if isinstance(element, dict) else {}


def _text(values: dict[str, Any], block: str) -> str:
    value = _element(values, block).get("value")
    return value if isinstance(value, str) else ""


def _chosen(values: dict[str, Any], block: str) -> set[str]:
    options = _element(values, block).get("selected_options")
    return {o["value"] for o in options if isinstance(o, dict) and isinstance(o.get("value"), str)
            } if isinstance(options, list) else set()


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": _plain(text), "value": value}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
