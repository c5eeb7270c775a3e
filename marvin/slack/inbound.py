"""What Slack POSTs to Marvin, checked before Bolt sees it: the shape of a signed request.

Slack sends slash commands as ``application/x-www-form-urlencoded`` forms with a
``command`` field, and interaction payloads as the same kind of form with one ``payload``
field holding a JSON object with a ``type``; its SSL check is a form with ``ssl_check``.
Events API requests (the Home tab's ``app_home_opened``) are ``application/json``: an
``event_callback`` with an ``event`` object, or the ``url_verification`` challenge.
Anything else cannot come from Slack, so it is refused here, with nothing stored: Bolt
would otherwise treat a JSON or multipart body as a slash command, answer an empty body
with 404, and turn percent-encoded invalid UTF-8 into U+FFFD characters and save them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
_EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})


@dataclass(frozen=True)
class Refusal:
    """Why a signed request is refused: an HTTP status and a one-line reason."""

    status: int
    reason: str


def check_signature_header(value: str) -> bool:
    """A signature header Slack could have sent: ASCII only.

    slack-sdk compares signatures with `hmac.compare_digest`, which raises TypeError on a
    non-ASCII str; the caller answers 401 instead of letting that become a 500.
    """
    return value.isascii()


def check_form(content_type: str, text: str) -> Refusal | None:
    """None when `text` is a form Slack sends (a slash command, an interaction payload or
    its SSL check); otherwise why not: 415 for another content type, 400 for a form that
    is not UTF-8 once percent-decoded or that carries neither a command nor a payload."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == JSON:
        return check_event(text)
    if media != FORM:
        shown = media or "none"
        return Refusal(415, f"unsupported content type {shown!r}: Slack sends {FORM} or {JSON}")
    try:
        fields = parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return Refusal(400, "malformed request body: percent-encoded bytes are not UTF-8")
    except ValueError:
        return Refusal(400, "malformed request body")
    commands, payloads = fields.get("command", []), fields.get("payload", [])
    if commands and not payloads:
        return None
    if payloads and not commands:
        problem = interaction_problem(payloads[0])
        return None if not problem else Refusal(400, f"malformed request body: {problem}")
    if "ssl_check" in fields and not commands and not payloads:
        return None
    return Refusal(400, "malformed request body: neither a slash command nor a payload")


def check_event(text: str) -> Refusal | None:
    """None when `text` is an Events API request Slack sends; otherwise why not (400)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return Refusal(400, "malformed request body: not JSON")
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in _EVENT_TYPES:
        return Refusal(400, "malformed request body: not an Events API request")
    event = value.get("event")
    if kind == "event_callback" and not (isinstance(event, dict)
                                         and isinstance(event.get("type"), str)):
        return Refusal(400, "malformed request body: event_callback without an event type")
    if kind == "url_verification" and not isinstance(value.get("challenge"), str):
        return Refusal(400, "malformed request body: url_verification without a challenge")
    return None


_SHAPES: dict[str, tuple[tuple[str, type], ...]] = {
    # What Marvin's listeners read, as Slack always sends it for these types.
    "block_actions": (("user", dict), ("actions", list)),
    "view_submission": (("user", dict), ("view", dict)),
    "view_closed": (("user", dict), ("view", dict)),
}


def interaction_problem(payload: str) -> str:
    """"" when `payload` (JSON text) is an interaction Slack could send, else what is
    wrong with it (`payload_problem`)."""
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        value = None
    return payload_problem(value)


def payload_problem(value: object) -> str:
    """"" when `value` is an interaction Slack could send, else what is wrong with it: a
    JSON object with a string ``type``, and for the types Marvin acts on the fields Slack
    always sends, with their JSON types (a user with a string id, a view with a type,
    actions with an action_id). Bolt itself reads some of these unguarded before any
    listener runs (``body["view"]["type"]``), so a payload without them would be a 500."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return "payload is not a JSON object with a type"
    for field, kind in _SHAPES.get(value["type"], ()):
        if not isinstance(value.get(field), kind):
            return f"{value['type']} payload without a {field} {kind.__name__}"
    user = value.get("user")
    if isinstance(user, dict) and not isinstance(user.get("id"), str):
        return "payload's user has no id"
    view = value.get("view")
    if isinstance(view, dict) and not isinstance(view.get("type"), str):
        return "payload's view has no type"
    actions = value.get("actions")
    if isinstance(actions, list) and not all(
        isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
    ):
        return "payload's actions are not objects with an action_id"
    return ""
