"""Slack listeners: thin handlers that ack, call one plain function, and answer.

Slack needs an answer within 3 s, so the handler does the (fast, local) store write and
answers in the ack itself, ephemerally, to the person who typed the command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from marvin.domain.standup import is_user_id
from marvin.interactions.standup_command import command_field, handle_standup
from marvin.settings import Settings
from marvin.store.base import Store

log = logging.getLogger("marvin.slack")

SORRY = ":warning: Something went wrong on Marvin's side; nothing was saved. Please try again."


def register(app: App, store: Store, settings: Settings, now: Callable[[], Any]) -> None:
    """Attach Marvin's listeners to a Bolt app."""

    @app.command("/standup")
    def standup(ack: Ack, command: dict[str, Any]) -> None:
        user_id = command.get("user_id")
        if not isinstance(user_id, str) or not is_user_id(user_id):
            ack(
                response_type="ephemeral",
                text="Marvin could not tell who sent this; nothing was saved.",
            )
            return
        try:
            reply = handle_standup(
                store,
                settings,
                user_id=user_id,
                user_name=command_field(command.get("user_name")),
                text=command_field(command.get("text")),
                now=now(),
            )
            ack(response_type="ephemeral", text=reply.text)
        except Exception:  # never a traceback in Slack
            log.exception("/standup failed for %s", command.get("user_id"))
            ack(response_type="ephemeral", text=SORRY)


def register_fallbacks(app: App) -> None:
    """Answer what no listener claimed (a button from an older Marvin, an unknown view):
    acked, so Slack shows the person no error, and logged. Register after every listener:
    Bolt runs the first listener that matches."""

    @app.action(re.compile(".*"))
    def unknown_action(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        log.warning("unknown action %s ignored", _first_action_id(body))

    @app.view(re.compile(".*"))
    def unknown_view(ack: Ack, view: dict[str, Any]) -> None:
        ack()
        log.warning("unknown view %r submitted; ignored", view.get("callback_id"))


def _first_action_id(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    found = first.get("action_id") if isinstance(first, dict) else None
    return repr(found)[:100]
