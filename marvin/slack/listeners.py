"""Slack listeners: thin handlers that ack, call one plain function, and answer.

Slack needs an answer within 3 s, so the handler does the (fast, local) store write and
answers in the ack itself, ephemerally, to the person who typed the command.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from marvin.domain.standup import is_user_id
from marvin.interactions.standup_command import command_field, handle_standup
from marvin.settings import Settings
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.store.base import Store

log = logging.getLogger("marvin.slack")

SORRY = ":warning: Something went wrong on Marvin's side; nothing was saved. Please try again."


def register(
    app: App, store: Store, settings: Settings, now: Callable[[], Any],
    digest_sync: DigestSyncRunner | None = None,
) -> None:
    """Attach Marvin's listeners to a Bolt app; `digest_sync` brings posted digests up to
    date after a save (None: they are not edited)."""

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
            if digest_sync is not None and reply.posted_digests:  # after the answer
                digest_sync.after_save(reply.posted_digests)
        except Exception:  # never a traceback in Slack
            log.exception("/standup failed for %s", command.get("user_id"))
            ack(response_type="ephemeral", text=SORRY)
