"""Listeners for Marvin's buttons and modal: thin, like the slash command's.

Each acks, calls one function of `marvin.interactions.update_form` and passes the result
on through `InteractionCalls`. Slack's payloads are read defensively (`_text`): a field
missing or of the wrong type is an answer, never an exception and never a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltResponse

from marvin.domain.standup import is_user_id
from marvin.interactions.reminder_dm import answered_blocks
from marvin.interactions.ui_ids import SKIP_TODAY, UPDATE_MODAL, WRITE_UPDATE
from marvin.interactions.update_form import open_form, skip_day, submit_form
from marvin.interactions.update_modal import message_view
from marvin.interactions.update_writes import saves_noted
from marvin.settings import Settings
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.slack.inbound import payload_problem
from marvin.slack.interaction_calls import InteractionCalls
from marvin.store.base import Store

log = logging.getLogger("marvin.slack")

NOT_OPENED = (":warning: Marvin could not open the form (Slack said `{error}`). Please try "
              "again, or post with `/standup <your update>`.")
UNKNOWN_BUTTON = ("Marvin does not know this button (it may be from an older version of "
                  "Marvin). Use `/standup` instead.")
UNKNOWN_FORM = ("Marvin does not know this form any more (it may be from an older version). "
                "Close it and use `/standup`.")
SORRY = ("Something went wrong on Marvin's side; nothing was saved. Please submit again in "
         "a minute.")


def register_interactivity(
    app: App, store: Store, settings: Settings, now: Callable[[], Any], calls: InteractionCalls,
    digest_sync: DigestSyncRunner | None = None,
) -> None:
    """Attach the listeners for the reminder's buttons and the update modal; after a save,
    `digest_sync` brings an already posted digest up to date."""

    def sync_after(saved: list[tuple[str, str]]) -> None:
        if digest_sync is not None and saved:  # after the ack: Slack waits for nothing
            digest_sync.after_save_if_posted(saved)

    @app.middleware
    def refuse_malformed(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        # Over HTTP `dispatch` has refused these already; Socket Mode envelopes come here
        # unchecked, and Bolt would fail on them before any listener (a 500, no ack).
        problem = "" if "command" in body or "ssl_check" in body else payload_problem(body)
        if problem:
            log.warning("malformed interaction refused: %s", problem)
            return BoltResponse(status=400, body=f"malformed request body: {problem}")
        next()
        return None

    @app.action(WRITE_UPDATE)
    def write_update(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user, (channel, ts), date = _user(body), _container(body), _action_value(body)
        opening = open_form(store, settings, user, now(), button_date=date)
        if opening.view is None:
            calls.update_message(channel, ts, opening.text, answered_blocks(opening.text))
        elif error := calls.open_view(body.get("trigger_id"), opening.view):
            calls.post_message(channel, NOT_OPENED.format(error=error))

    @app.action(SKIP_TODAY)
    def skip_today(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user, (channel, ts), date = _user(body), _container(body), _action_value(body)
        with saves_noted() as saved:
            said = skip_day(store, settings, user, date, now())
        calls.update_message(channel, ts, said, answered_blocks(said))
        sync_after(saved)

    @app.view(UPDATE_MODAL)
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        try:
            with saves_noted() as saved:
                answer = submit_form(store, settings, _user(body), body.get("view"), now())
            ack(**answer)
        except Exception:  # never a traceback, and the modal (with its text) stays open
            log.exception("update form submission failed")
            ack(response_action="errors", errors={_first_input(body): SORRY})
            return
        sync_after(saved)


def register_fallbacks(app: App, calls: InteractionCalls) -> None:
    """Answer a button or form no listener claimed (from an older Marvin, say): register
    after every other listener, since Bolt runs the first one that matches."""

    @app.action(re.compile(".*"))
    def unknown_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        channel, _ts = _container(body)
        calls.post_ephemeral(channel, _user(body), UNKNOWN_BUTTON)

    @app.view(re.compile(".*"))
    def unknown_form(ack: Ack) -> None:
        ack(response_action="update", view=message_view(UNKNOWN_FORM))


def _user(body: dict[str, Any]) -> str:
    """The clicking person's user id ("" when Slack's payload has none that looks like one:
    no store lookup can then find them, so they get the not-a-member answer)."""
    user = _get(body, "user", "id")
    return user if is_user_id(user) else ""


def _container(body: dict[str, Any]) -> tuple[str, str]:
    """The message a button sits in: (channel id, ts)."""
    return _get(body, "container", "channel_id"), _get(body, "container", "message_ts")


def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    first = actions[0] if isinstance(actions, list) and actions else {}
    value = first.get("value") if isinstance(first, dict) else None
    return value if isinstance(value, str) else ""


def _first_input(body: dict[str, Any]) -> str:
    view = body.get("view")
    blocks = view.get("blocks") if isinstance(view, dict) else None
    for block in blocks if isinstance(blocks, list) else []:
        if isinstance(block, dict) and block.get("type") == "input":
            return str(block.get("block_id", ""))
    return ""


def _get(body: dict[str, Any], outer: str, inner: str) -> str:
    found = body.get(outer)
    value = found.get(inner) if isinstance(found, dict) else None
    return value if isinstance(value, str) else ""
