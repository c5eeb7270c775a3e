"""The Web API calls made while Slack waits for an interaction's answer: open a modal,
rewrite a reminder DM, say something ephemerally. Quick, or not at all.

A trigger_id is good for 3 seconds and the request that carried it must be answered
within 3 seconds too, so these calls get a short timeout and no retries (a retry could
only land after the trigger expired); a failure comes back as Slack's error code for the
listener to tell the person, never as an exception.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.slack.client import INTERACTIVE_PACING_WAIT, build_web_client
from marvin.slack.rate_limits import Paced

log = logging.getLogger("marvin.slack")

CALL_TIMEOUT = 2.0
"""Seconds one call may take: within Slack's 3 s, leaving room for the store reads."""


class InteractionCalls:
    """Fast, single-attempt Web API calls for listeners (thread-safe: one WebClient)."""

    def __init__(self, token: str | None, base_url: str) -> None:
        self._client: WebClient = build_web_client(
            token, base_url, timeout=CALL_TIMEOUT, max_retries=0,
            pacing_wait=INTERACTIVE_PACING_WAIT,
        )

    def open_view(self, trigger_id: object, view: dict[str, Any]) -> str:
        """``views.open``; "" when it opened, else Slack's error code (or why not sent)."""
        if not isinstance(trigger_id, str) or not trigger_id:
            return "no_trigger_id"
        return self._call("views.open", lambda: self._client.views_open(
            trigger_id=trigger_id, view=view))

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> str:
        """``chat.update`` of one of Marvin's own messages; "" or the error code."""
        return self._call("chat.update", lambda: self._client.chat_update(
            channel=channel, ts=ts, text=text, blocks=blocks or []))

    def post_message(self, channel: str, text: str) -> str:
        """``chat.postMessage`` (a DM channel id, say); "" or the error code."""
        return self._call("chat.postMessage", lambda: self._client.chat_postMessage(
            channel=channel, text=text))

    def post_ephemeral(self, channel: str, user: str, text: str) -> str:
        """``chat.postEphemeral`` to one person in a channel; "" or the error code."""
        return self._call("chat.postEphemeral", lambda: self._client.chat_postEphemeral(
            channel=channel, user=user, text=text))

    def _call(self, method: str, send: Any) -> str:
        try:
            send()
        except SlackApiError as exc:
            data = exc.response.data
            error = str(data.get("error") if isinstance(data, dict) else "") or "error"
        except Paced:  # Slack's rate limit has no slot within this request's time
            error = "ratelimited"
        except TimeoutError:
            error = "timeout"
        except OSError as exc:  # URLError included: Slack unreachable
            error = f"connection_error ({type(exc).__name__})"
        else:
            return ""
        log.warning("%s failed: %s", method, error)
        return error
