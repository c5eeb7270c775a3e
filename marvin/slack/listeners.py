"""Slack listeners: thin handlers that ack, call one plain function, and answer.

Slack needs an answer within 3 s, so the handler does the (fast, local) store write and
answers in the ack itself, ephemerally, to the person who typed the command.

`/standup` with no text opens the update modal. The listener calls ``views.open`` before
it acks: Bolt (``process_before_response``, HTTP and Socket Mode alike) sends the ack only
when the listener returns, so acking first would gain nothing, while opening first lets
the ack say so when the form could not open (the trigger expired, Slack refused it).
Both happen within the same 3 s: the store reads are local and bounded, and ``views.open``
gets one attempt of at most `CALL_TIMEOUT` seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App

from marvin.domain.standup import is_user_id
from marvin.interactions.standup_command import command_field, handle_standup, parse_command
from marvin.interactions.update_form import open_form
from marvin.settings import Settings
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.slack.interaction_calls import InteractionCalls
from marvin.slack.interactivity import NOT_OPENED, register_interactivity
from marvin.store.base import Store

log = logging.getLogger("marvin.slack")

SORRY = ":warning: Something went wrong on Marvin's side; nothing was saved. Please try again."


def register(
    app: App, store: Store, settings: Settings, now: Callable[[], Any], calls: InteractionCalls,
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
        text = command_field(command.get("text"))
        try:
            if parse_command(text).action == "form":
                opening = open_form(store, settings, user_id, now())
                error = "" if opening.view is None else calls.open_view(
                    command.get("trigger_id"), opening.view)
                if opening.view is not None and not error:
                    ack()  # the modal is the answer
                else:
                    ack(response_type="ephemeral",
                        text=opening.text or NOT_OPENED.format(error=error))
                return
            reply = handle_standup(
                store,
                settings,
                user_id=user_id,
                user_name=command_field(command.get("user_name")),
                text=text,
                now=now(),
            )
            if reply.blocks:
                ack(response_type="ephemeral", text=reply.text, blocks=list(reply.blocks))
            else:
                ack(response_type="ephemeral", text=reply.text)
            if digest_sync is not None and reply.posted_digests:  # after the answer
                digest_sync.after_save(reply.posted_digests)
        except Exception:  # never a traceback in Slack
            log.exception("/standup failed for %s", command.get("user_id"))
            ack(response_type="ephemeral", text=SORRY)

    register_interactivity(app, store, settings, now, calls, digest_sync)
