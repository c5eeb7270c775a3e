"""The modal in which an admin edits a team's schedule from App Home, and reading it back.

`schedule_modal` builds the view for ``views.open``; `read_schedule` turns Slack's
``view_submission`` state into the changed team, or into errors keyed by block id, which
Slack shows under each field (``response_action: "errors"``) so nothing typed is lost.
The same rules as ``marvin team set``: an IANA zone, HH:MM times, at least one day, a
channel name or id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from marvin.domain.models import Team
from marvin.domain.names import check_channel, check_zone
from marvin.domain.standup import parse_hhmm
from marvin.interactions.view_state import (
    field_error,
    input_element,
    input_text,
    submitted_values,
)

SCHEDULE_VIEW = "schedule.edit"  # the view's callback_id

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ZONE, DAYS, REMINDER, STANDUP, CHANNEL = "zone", "days", "reminder", "standup", "channel"


@dataclass(frozen=True)
class ScheduleSubmission:
    """What an admin submitted: the team to change (from the view's private metadata) and
    either the changed team or what is wrong, by block id."""

    team: str
    changed: Team | None
    errors: dict[str, str]


def schedule_modal(team: Team) -> dict[str, Any]:
    """The edit-schedule modal for `team`, prefilled with its current schedule."""
    days = [_day_option(day) for day in range(7)]
    return {
        "type": "modal",
        "callback_id": SCHEDULE_VIEW,
        "private_metadata": json.dumps({"team": team.name}),
        "title": _plain("Team schedule"),
        "submit": _plain("Save"),
        "close": _plain("Cancel"),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Team *{team.name}*"}},
            _input(ZONE, "Time zone (IANA, e.g. Europe/London)", {
                "type": "plain_text_input", "action_id": ZONE, "initial_value": team.timezone,
                "max_length": 64}),
            _input(DAYS, "Standup days", {
                "type": "checkboxes", "action_id": DAYS, "options": days,
                **({"initial_options": [days[d] for d in team.days]} if team.days else {})}),
            _input(REMINDER, "Reminder time", {
                "type": "timepicker", "action_id": REMINDER,
                "initial_time": team.reminder_time}),
            _input(STANDUP, "Standup time", {
                "type": "timepicker", "action_id": STANDUP, "initial_time": team.standup_time}),
            _input(CHANNEL, "Digest channel (#name or id)", {
                "type": "plain_text_input", "action_id": CHANNEL, "initial_value": team.channel,
                "max_length": 81}),
        ],
    }


def submitted_team(view: dict[str, Any]) -> str | None:
    """The team a submitted schedule view is for, or None when the metadata is not ours."""
    try:
        meta = json.loads(view.get("private_metadata") or "")
    except (ValueError, TypeError, RecursionError):
        return None
    name = meta.get("team") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and name else None


def read_schedule(team: Team, view: dict[str, Any]) -> ScheduleSubmission:
    """The submitted schedule applied to `team` (other settings kept), or the errors."""
    values = submitted_values(view)
    errors: dict[str, str] = {}
    zone = _checked(errors, ZONE, check_zone, input_text(values, ZONE))
    reminder = _checked(errors, REMINDER, _hhmm, _time(values, REMINDER))
    standup = _checked(errors, STANDUP, _hhmm, _time(values, STANDUP))
    channel = _checked(errors, CHANNEL, check_channel, input_text(values, CHANNEL))
    days = _days(values)
    if not days:
        errors[DAYS] = "Pick at least one day."
    if errors or zone is None or reminder is None or standup is None or channel is None:
        return ScheduleSubmission(team.name, None, errors)
    changed = replace(team, timezone=zone, reminder_time=reminder, standup_time=standup,
                      days=days, channel=channel)
    return ScheduleSubmission(team.name, changed, {})


def _hhmm(value: str) -> str:
    hour, minute = parse_hhmm(value)
    return f"{hour:02d}:{minute:02d}"


def _checked(errors: dict[str, str], block: str, check: Any, value: str) -> str | None:
    try:
        return str(check(value.strip()))
    except ValueError as exc:
        errors[block] = field_error(str(exc))
        return None


def _time(values: dict[str, Any], block: str) -> str:
    value = input_element(values, block).get("selected_time")
    return value if isinstance(value, str) else ""


def _days(values: dict[str, Any]) -> tuple[int, ...]:
    chosen = input_element(values, DAYS).get("selected_options")
    found = set()
    for option in chosen if isinstance(chosen, list) else []:
        value = option.get("value") if isinstance(option, dict) else None
        if isinstance(value, str) and value in {str(day) for day in range(7)}:
            found.add(int(value))
    return tuple(sorted(found))


def _day_option(day: int) -> dict[str, Any]:
    return {"text": _plain(_WEEKDAYS[day]), "value": str(day)}


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id, "label": _plain(label), "element": element}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
