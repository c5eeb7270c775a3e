"""The App Home's "Plan time off" modal, and reading it back.

The fields take what `/standup away` takes (YYYY-MM-DD, today, tomorrow, a weekday), read
by the same rules (`marvin.domain.absences`), so the form and the command cannot differ;
a mistake comes back under its field (``response_action: "errors"``), nothing typed lost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from marvin.domain.absences import MAX_REASON, AwayError, AwayRequest, check_away, parse_day
from marvin.interactions.view_state import field_error, input_text, submitted_values

__all__ = ["AWAY_VIEW", "AwaySubmission", "away_modal", "read_away"]

AWAY_VIEW = "away.plan"  # the view's callback_id
START, END, REASON = "away_start", "away_end", "away_reason"
_FIELDS = {"start": START, "end": END, "reason": REASON}
_DAY_LENGTH = 20  # "2026-12-24", "tomorrow", "wednesday": short


@dataclass(frozen=True)
class AwaySubmission:
    """The time off asked for, or what is wrong with it by block id."""

    request: AwayRequest | None
    errors: dict[str, str]


def away_modal() -> dict[str, Any]:
    """The modal: first day, last day (optional: one day), reason (optional)."""
    return {
        "type": "modal",
        "callback_id": AWAY_VIEW,
        "title": _plain("Plan time off"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": [
            _input(START, "First day (YYYY-MM-DD, today, tomorrow or a weekday)", _DAY_LENGTH),
            _input(END, "Last day (empty: just the first day)", _DAY_LENGTH, optional=True),
            _input(REASON, "Reason (shown in the digest)", MAX_REASON, optional=True),
        ],
    }


def read_away(view: dict[str, Any], today: dt.date) -> AwaySubmission:
    """The submitted time off, checked as `/standup away` checks it (`today` is the
    member's local date)."""
    values = submitted_values(view)
    errors: dict[str, str] = {}
    start = _day(errors, START, input_text(values, START), today)
    last = input_text(values, END).strip()
    end = _day(errors, END, last, today) if last else start
    if start is None or end is None:
        return AwaySubmission(None, errors)
    try:
        return AwaySubmission(check_away(start, end, input_text(values, REASON), today), {})
    except AwayError as exc:
        return AwaySubmission(None, {_FIELDS[exc.field]: field_error(str(exc))})


def _day(errors: dict[str, str], block: str, text: str, today: dt.date) -> dt.date | None:
    try:
        return parse_day(text, today)
    except ValueError as exc:
        errors[block] = field_error(str(exc))
        return None


def _input(block_id: str, label: str, most: int, *, optional: bool = False) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": _plain(label),
            "optional": optional, "element": {"type": "plain_text_input",
                                              "action_id": block_id, "max_length": most}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
