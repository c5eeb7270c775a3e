"""Socket Mode envelopes shaped as Slack sends them: a slash command, an event, an interaction.

Over Socket Mode Slack wraps what it would POST over HTTP in an envelope::

    {"envelope_id": "...", "type": "slash_commands" | "events_api" | "interactive",
     "payload": {...}, "accepts_response_payload": true | false}

A slash command's payload is the HTTP form's fields as a JSON object (strings, as in the
form); an event's is the Events API `event_callback`; an interaction's is the same JSON
Slack posts as the `payload` form field over HTTP. Events also carry `retry_attempt` and
`retry_reason`. See `marvin.testing.socket_server.FakeSocketServer.send_envelope`.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl

from marvin.testing.signing import slash_command_body

__all__ = [
    "block_action_payload", "event_envelope", "interactive_envelope", "new_envelope_id",
    "slash_envelope",
]


def new_envelope_id() -> str:
    """An envelope id as Slack makes them (a UUID)."""
    return str(uuid.uuid4())


def slash_envelope(text: str = "", user_id: str = "U123", **fields: Any) -> dict[str, Any]:
    """A `slash_commands` envelope: the same fields as the HTTP form, JSON strings."""
    form = slash_command_body(text=text, user_id=user_id, **fields)
    payload = dict(parse_qsl(form.decode(), keep_blank_values=True))
    return {"envelope_id": new_envelope_id(), "type": "slash_commands", "payload": payload,
            "accepts_response_payload": True}


def event_envelope(event: dict[str, Any], team_id: str = "T1", api_app_id: str = "A1",
                   retry_attempt: int = 0) -> dict[str, Any]:
    """An `events_api` envelope around `event` (e.g. ``{"type": "app_home_opened", ...}``)."""
    payload = {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": "UBOT",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(16)}",
    }
    return {"envelope_id": new_envelope_id(), "type": "events_api", "payload": payload,
            "accepts_response_payload": False, "retry_attempt": retry_attempt,
            "retry_reason": "" if retry_attempt == 0 else "timeout"}


def interactive_envelope(payload: dict[str, Any]) -> dict[str, Any]:
    """An `interactive` envelope; Slack lets `view_submission` answers ride on the ack."""
    accepts = payload.get("type") in ("view_submission", "block_suggestion")
    return {"envelope_id": new_envelope_id(), "type": "interactive", "payload": payload,
            "accepts_response_payload": accepts}


def block_action_payload(action_id: str = "marvin_test", user_id: str = "U123",
                         team_id: str = "T1") -> dict[str, Any]:
    """A `block_actions` payload: a button pressed in a message."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": "alice", "team_id": team_id},
        "api_app_id": "A1",
        "token": "verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100",
                      "channel_id": "C1", "is_ephemeral": False},
        "trigger_id": f"{secrets.randbelow(10**10)}.{secrets.token_hex(8)}",
        "team": {"id": team_id, "domain": "marvin-test"},
        "channel": {"id": "C1", "name": "general"},
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button",
                     "value": "v", "action_ts": f"{time.time():.6f}",
                     "text": {"type": "plain_text", "text": "Press"}}],
    }
