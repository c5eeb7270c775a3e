"""Interaction payloads (``block_actions``, ``view_submission``) shaped as Slack sends them.

Slack POSTs an interaction to the same Request URL as slash commands, as a form with one
``payload`` field holding JSON, v0-signed like any request (`marvin.testing.signing`).
The fields are the ones Slack documents and sends, ``null``s included, so Marvin's
listeners meet the real shape: a click carries the message it sits in (``container``)
and a fresh ``trigger_id``; a submission carries the whole view with what was typed in
``view.state.values[block_id][action_id] = {"type": "plain_text_input", "value": ...}``
(``value`` is ``null`` for an input left empty).

Example:
    >>> body = interaction_body(block_actions("U1", "go", "2026-11-18", "1.2.3", "DU1", "1.0"))
    >>> body.startswith(b"payload=")
    True
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "block_actions",
    "block_actions_in_view",
    "button_action",
    "interaction_body",
    "view_submission",
    "view_submission_with_state",
]

TEAM = {"id": "T1", "domain": "marvin-test"}


def interaction_body(payload: dict[str, Any]) -> bytes:
    """The form body Slack POSTs for an interaction."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _user(user_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM["id"]}


def block_actions(
    user_id: str, action_id: str, value: str, trigger_id: str, channel_id: str,
    message_ts: str, *, message: dict[str, Any] | None = None, block_id: str = "actions",
) -> dict[str, Any]:
    """A button click in a message (a DM with the bot, say)."""
    return {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": "A1",
        "token": "verification-token",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                      "is_ephemeral": False},
        "trigger_id": trigger_id,
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": message or {"type": "message", "ts": message_ts, "text": ""},
        "state": {"values": {}},
        "response_url": f"https://hooks.slack.com/actions/T1/{secrets.randbelow(10**10)}/"
                        f"{secrets.token_hex(12)}",
        "actions": [{
            "action_id": action_id, "block_id": block_id, "type": "button", "value": value,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "action_ts": "1763452800.000100",
        }],
    }


def block_actions_in_view(
    user_id: str, action: dict[str, Any], trigger_id: str, view: dict[str, Any]
) -> dict[str, Any]:
    """A click on `action` (a button or menu as it appears in ``actions``, see
    `button_action`) in a view: the Home tab or an open modal."""
    return {
        "type": "block_actions",
        "user": _user(user_id),
        "api_app_id": "A1",
        "token": "verification-token",
        "container": {"type": "view", "view_id": view.get("id", "V1")},
        "trigger_id": trigger_id,
        "team": TEAM,
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [action],
    }


def button_action(action_id: str, value: str, *, block_id: str = "b1") -> dict[str, Any]:
    """One clicked button as Slack lists it in ``actions``."""
    return {"action_id": action_id, "block_id": block_id, "type": "button", "value": value,
            "text": {"type": "plain_text", "text": action_id, "emoji": True},
            "action_ts": "1763452800.000100"}


def view_submission(
    user_id: str, view: dict[str, Any], values: dict[str, str | None], trigger_id: str
) -> dict[str, Any]:
    """The submission of an open modal (`view` as ``views.open`` answered it) with
    `values` typed per input block_id (None: left empty)."""
    state = {
        block_id: {"answer": {"type": "plain_text_input", "value": value}}
        for block_id, value in values.items()
    }
    return view_submission_with_state(user_id, view, state, trigger_id)


def view_submission_with_state(
    user_id: str, view: dict[str, Any], state: dict[str, Any], trigger_id: str
) -> dict[str, Any]:
    """The submission of `view` with ``view.state.values`` = `state` as Slack fills it
    (``{block_id: {action_id: {"type": ..., "value"|"selected_time"|...}}}``)."""
    submitted = {
        "id": view.get("id", "V1"), "team_id": TEAM["id"], "type": "modal",
        "blocks": view.get("blocks", []), "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""), "state": {"values": state},
        "hash": view.get("hash", "1.abc"), "title": view.get("title"),
        "clear_on_close": False, "notify_on_close": False, "close": view.get("close"),
        "submit": view.get("submit"), "previous_view_id": None,
        "root_view_id": view.get("id", "V1"), "app_id": "A1", "external_id": "",
        "app_installed_team_id": TEAM["id"], "bot_id": "BMARVIN",
    }
    return {
        "type": "view_submission", "team": TEAM, "user": _user(user_id), "api_app_id": "A1",
        "token": "verification-token", "trigger_id": trigger_id, "view": submitted,
        "response_urls": [], "is_enterprise_install": False, "enterprise": None,
    }
