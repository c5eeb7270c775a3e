"""Events API and interactivity requests, shaped exactly as Slack documents and sends them.

Events (``app_home_opened``) come as ``application/json`` event_callback envelopes;
interactions (``block_actions``, ``view_submission``) as a form whose one ``payload``
field is the JSON. Sign the bytes with `marvin.testing.signing.signed_headers` (pass
``content_type=JSON_CONTENT_TYPE`` for events).

Example:
    >>> body = event_body(app_home_opened("U123"))
    >>> json.loads(body)["event"]["type"]
    'app_home_opened'
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "JSON_CONTENT_TYPE",
    "app_home_opened",
    "block_actions",
    "button_action",
    "event_body",
    "interaction_body",
    "view_submission",
]

JSON_CONTENT_TYPE = "application/json"
TEAM_ID = "T1"
API_APP_ID = "A1"

Payload = dict[str, Any]


def event_body(event: Payload, *, team_id: str = TEAM_ID) -> bytes:
    """An ``event_callback`` envelope around `event`, as Slack POSTs it."""
    envelope = {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": "UMARVIN",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def app_home_opened(user_id: str, *, tab: str = "home", view: Payload | None = None) -> Payload:
    """The ``app_home_opened`` event (``view`` only once a Home view was published)."""
    event: Payload = {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}",
                      "tab": tab, "event_ts": f"{time.time():.6f}"}
    if view is not None:
        event["view"] = view
    return event


def interaction_body(payload: Payload) -> bytes:
    """The form Slack POSTs for an interaction: ``payload=<JSON>``."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _user(user_id: str) -> Payload:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def button_action(action_id: str, value: str, *, block_id: str = "b1",
                  text: str = "Button") -> Payload:
    """One clicked button as it appears in ``actions``."""
    return {"action_id": action_id, "block_id": block_id, "type": "button", "value": value,
            "text": {"type": "plain_text", "text": text, "emoji": True},
            "action_ts": f"{time.time():.6f}"}


def block_actions(user_id: str, action: Payload, trigger_id: str, *,
                  view: Payload | None = None) -> Payload:
    """A ``block_actions`` payload: a button pressed in a Home tab or modal (`view`), or in
    a message when `view` is None."""
    payload: Payload = {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token",
        "trigger_id": trigger_id,
        "team": {"id": TEAM_ID, "domain": "marvin-test"},
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        payload["view"] = view
    else:
        payload["container"] = {"type": "message", "message_ts": "1.000001",
                                "channel_id": f"D{user_id}", "is_ephemeral": False}
        payload["channel"] = {"id": f"D{user_id}", "name": "directmessage"}
        payload["response_url"] = (f"https://hooks.slack.com/actions/{TEAM_ID}/1/"
                                   f"{secrets.token_hex(12)}")
    return payload


def view_submission(user_id: str, view: Payload, values: Payload, trigger_id: str) -> Payload:
    """A ``view_submission`` payload for `view` (as opened) with the state `values`
    (``{block_id: {action_id: {...}}}``, as Slack fills ``view.state.values``)."""
    submitted = {**view, "id": view.get("id", "V1"), "state": {"values": values},
                 "hash": view.get("hash", "1.abc"), "team_id": TEAM_ID,
                 "app_id": API_APP_ID, "bot_id": "BMARVIN"}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "marvin-test"},
        "user": _user(user_id),
        "api_app_id": API_APP_ID,
        "token": "verification-token",
        "trigger_id": trigger_id,
        "view": submitted,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
