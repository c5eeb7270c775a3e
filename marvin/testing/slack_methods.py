"""What the Slack stand-in answers to each Web API method Marvin uses.

Kept apart from the HTTP server (`marvin.testing.slack_api`) so Slack's behaviour can be
read, and extended with a new method, without wading through sockets and fault plumbing.
Each method takes the merged request params and returns Slack's JSON answer, including
the ``ok: false`` errors real Slack gives for missing arguments.

Example:
    >>> answer("conversations.open", {"users": "U123"}, lambda: "1.000001")
    {'ok': True, 'channel': {'id': 'DU123'}}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["APP_TOKEN_METHODS", "BOT_USER_ID", "TEAM_ID", "answer", "is_known", "targets"]

TEAM_ID = "T1"
BOT_USER_ID = "UMARVIN"  # the same bot as `marvin.testing.slack_world`

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
"""The methods that take an app-level token (``xapp-``) and refuse any other, as the rest
refuse an app-level token: Slack answers ``not_allowed_token_type`` either way."""

Params = dict[str, Any]
Answer = dict[str, Any]
NextTs = Callable[[], str]


def targets(params: Params) -> list[str]:
    """The channels and users a call is about (``users`` may be a comma-separated list)."""
    found: list[str] = []
    for key in ("channel", "user", "users"):
        value = params.get(key)
        if isinstance(value, str):
            found.extend(part.strip() for part in value.split(",") if part.strip())
        elif isinstance(value, list):
            found.extend(str(part) for part in value)
    return found


def is_known(method: str) -> bool:
    """Whether the stand-in implements `method`; others get ``unknown_method`` as from Slack."""
    return method in _METHODS


def answer(method: str, params: Params, next_ts: NextTs) -> Answer:
    """Slack's answer to a call of a known `method`.

    Args:
        next_ts: Gives a fresh, increasing message ``ts`` for methods that post.
    """
    return _METHODS[method](params, next_ts)


def _error(code: str) -> Answer:
    return {"ok": False, "error": code}


def _auth_test(params: Params, next_ts: NextTs) -> Answer:
    return {
        "ok": True,
        "url": "https://marvin-test.slack.com/",
        "team": "Marvin Test",
        "user": "marvin",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": "BMARVIN",
    }


def _conversations_open(params: Params, next_ts: NextTs) -> Answer:
    if params.get("channel"):  # resuming a known conversation
        return {"ok": True, "channel": {"id": str(params["channel"])}}
    users = targets({"users": params.get("users")})
    if not users:
        return _error("users_list_not_supplied")
    channel_id = f"D{users[0]}" if len(users) == 1 else "G" + "".join(users)
    return {"ok": True, "channel": {"id": channel_id}}


def _chat_post_message(params: Params, next_ts: NextTs) -> Answer:
    channel = params.get("channel")
    if not channel:
        return _error("channel_not_found")
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        return _error("no_text")
    message: Answer = {"type": "message", "text": params.get("text", ""), "user": BOT_USER_ID}
    if params.get("blocks"):
        message["blocks"] = params["blocks"]
    ts = next_ts()
    message["ts"] = ts
    if params.get("thread_ts"):  # checked and made the thread's parent ts by the caller
        message["thread_ts"] = params["thread_ts"]
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def _chat_post_ephemeral(params: Params, next_ts: NextTs) -> Answer:
    if not params.get("channel"):
        return _error("channel_not_found")
    if not params.get("user"):
        return _error("user_not_found")
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        return _error("no_text")
    return {"ok": True, "message_ts": next_ts()}


def _apps_connections_open(params: Params, next_ts: NextTs) -> Answer:
    # The stand-in answers with the URL of its socket server (`SlackStandIn.socket_url`).
    return {"ok": True, "url": ""}


_METHODS: dict[str, Callable[[Params, NextTs], Answer]] = {
    "apps.connections.open": _apps_connections_open,
    "auth.test": _auth_test,
    "conversations.open": _conversations_open,
    "chat.postMessage": _chat_post_message,
    "chat.postEphemeral": _chat_post_ephemeral,
}
