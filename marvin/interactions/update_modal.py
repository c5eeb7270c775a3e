"""The update modal as Block Kit JSON, and a submitted one read back: pure, no Slack, no store.

One text box per team question (block_id = the question's id, so an answer keeps its
question whatever the order), prefilled with what the person answered. The modal's
``private_metadata`` carries the team, the standup date and a version stamp of the
answers it was opened with, so a submission can tell a form opened before another edit.

Example::

    view = update_view(team, "2026-11-18", update)       # for views.open
    form = read_form(payload["view"])                    # from a view_submission
    errors = form_errors(form)                           # {} or {block_id: message}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import Answer, Team, Update
from marvin.domain.questions import MAX_ANSWER_CHARS
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import MAX_SECTION_TEXT, slack_len
from marvin.domain.standup import format_date, is_blank_text
from marvin.interactions.ui_ids import ANSWER, UPDATE_MODAL

TITLE = "Standup"
MAX_VIEW_TITLE = 24  # Slack's limit on a modal's title, submit and close texts
REQUIRED = "Please answer this question."

View = dict[str, Any]


@dataclass(frozen=True)
class FormField:
    """One question as the person saw it in the modal, and what they typed."""

    block_id: str
    label: str
    required: bool
    value: str


@dataclass(frozen=True)
class Form:
    """A submitted modal: where it was opened for, and each question's answer."""

    team: str
    date: str
    version: str
    fields: tuple[FormField, ...]


class NotOurForm(ValueError):
    """A submission that is not a modal Marvin built (or no longer parses as one)."""


def version_stamp(update: Update | None) -> str:
    """A short fingerprint of the answers: what a submission compares to the store to tell
    whether the answers changed since its modal opened. Free text does not count: the
    modal never touches it, so `/standup <text>` meanwhile is no conflict."""
    answers = [] if update is None else [[a.question_id, a.text] for a in update.answers]
    return hashlib.sha256(json.dumps(answers).encode()).hexdigest()[:16]


def update_view(
    team: Team, date: str, update: Update | None, *, notice: str = "",
    values: dict[str, str] | None = None,
) -> View:
    """The modal for `team`'s questions on `date`, prefilled from `update` (or `values`,
    by question id, when given: a person's own text shown back to them)."""
    answered = {a.question_id: a.text for a in update.answers} if update else {}
    shown = answered if values is None else values
    intro = f"Your update for *{format_date(date)}*"
    if team.name != "default":
        intro += f" (team *{escape_mrkdwn(team.name)}*)"
    intro += f". It is posted to {escape_mrkdwn(team.channel)} at {team.standup_time} " \
             f"({team.timezone})."
    if update is not None and update.entries:
        intro += f" What you posted with `/standup <text>` stays ({len(update.entries)} " \
                 "line(s)): see it with `/standup show`."
    blocks: list[dict[str, Any]] = []
    if notice:
        blocks.append(_section("notice", notice))
    blocks.append(_context("intro", intro))
    for question in team.questions:
        element: dict[str, Any] = {
            "type": "plain_text_input", "action_id": ANSWER, "multiline": True,
            "max_length": MAX_ANSWER_CHARS,
        }
        if shown.get(question.id):
            element["initial_value"] = shown[question.id][:MAX_ANSWER_CHARS]
        blocks.append({
            "type": "input", "block_id": question.id, "optional": not question.required,
            "label": _plain(question.label), "element": element,
        })
    metadata = {"team": team.name, "date": date, "version": version_stamp(update)}
    return {
        "type": "modal", "callback_id": UPDATE_MODAL, "title": _plain(TITLE),
        "submit": _plain("Save"), "close": _plain("Cancel"), "blocks": blocks,
        "private_metadata": json.dumps(metadata), "notify_on_close": False,
    }


def message_view(text: str, *, title: str = TITLE) -> View:
    """A modal that only says something (saved; or why nothing was): a "Done" button."""
    return {
        "type": "modal", "callback_id": UPDATE_MODAL, "title": _plain(title[:MAX_VIEW_TITLE]),
        "close": _plain("Done"), "blocks": [_section("message", text)],
    }


def read_form(view: object) -> Form:
    """The submission of a modal built by `update_view`.

    Raises:
        NotOurForm: anything else (a missing or malformed field, another callback_id).
    """
    if not isinstance(view, dict) or view.get("callback_id") != UPDATE_MODAL:
        raise NotOurForm("not Marvin's update form")
    try:
        metadata = json.loads(view.get("private_metadata") or "")
        team, date = str(metadata["team"]), str(metadata["date"])
        version = str(metadata["version"])
        values = view["state"]["values"]
        fields = tuple(_field(block, values) for block in view["blocks"]
                       if isinstance(block, dict) and block.get("type") == "input")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotOurForm(f"the form does not read as Marvin's ({exc!r})") from None
    return Form(team, date, version, fields)


def form_errors(form: Form) -> dict[str, str]:
    """What to show under which question before anything is saved (empty: all good)."""
    errors = {}
    for field in form.fields:
        if field.required and is_blank_text(field.value):
            errors[field.block_id] = REQUIRED
        elif len(field.value) > MAX_ANSWER_CHARS:
            errors[field.block_id] = (f"At most {MAX_ANSWER_CHARS:,} characters; this has "
                                      f"{len(field.value):,}.")
    return errors


def form_answers(form: Form, team: Team) -> tuple[Answer, ...]:
    """The answers as asked: labels from the form (what the person saw), the blockers flag
    from the team's question of that id."""
    blockers = {q.id: q.blockers for q in team.questions}
    return tuple(Answer(f.block_id, f.label, f.value.strip(), blockers.get(f.block_id, False))
                 for f in form.fields if not is_blank_text(f.value))


def first_block(form: Form) -> str:
    """Where an error about the whole form is shown: above the first question."""
    return form.fields[0].block_id if form.fields else "intro"


def _field(block: dict[str, Any], values: dict[str, Any]) -> FormField:
    block_id = str(block["block_id"])
    typed = values.get(block_id, {}).get(ANSWER, {}).get("value")
    if typed is not None and not isinstance(typed, str):
        raise TypeError(f"value of {block_id} is not text")
    return FormField(block_id, str(block["label"]["text"]), not block.get("optional", False),
                     typed or "")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _section(block_id: str, text: str) -> dict[str, Any]:
    text = clip(text, MAX_SECTION_TEXT) if slack_len(text) > MAX_SECTION_TEXT else text
    return {"type": "section", "block_id": block_id,
            "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def _context(block_id: str, text: str) -> dict[str, Any]:
    return {"type": "context", "block_id": block_id,
            "elements": [{"type": "mrkdwn", "text": clip(text, MAX_SECTION_TEXT),
                          "verbatim": True}]}
