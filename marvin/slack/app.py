"""Build Marvin's Bolt app: request verification, the Web API client, the listeners.

Every slack-sdk client Bolt makes copies the one given here, so all Web API calls go to
SLACK_API_URL with Marvin's retry handlers (connection errors, 429 + Retry-After, 5xx).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from marvin.settings import Settings
from marvin.slack.client import build_web_client
from marvin.slack.commands import register
from marvin.store.base import Store


def build_app(
    settings: Settings,
    store: Store,
    now: Callable[[], Any],
    *,
    token_verification: bool = True,
) -> App:
    """A Bolt App with Marvin's listeners; SettingsError when Slack settings are missing.

    Args:
        token_verification: call `auth.test` at start-up, so a bad token fails at once
            rather than on the first slash command.
    """
    token, signing_secret = settings.require_slack()
    client = build_web_client(token, settings.slack_api_url)
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=token_verification,
        process_before_response=True,  # ack carries the answer; nothing runs after it
    )
    register(app, store, settings, now)
    return app


def dispatch(
    app: App, body: bytes, headers: dict[str, str], query: str = ""
) -> tuple[int, dict[str, str], str]:
    """Hand one raw HTTP request to Bolt (which verifies its signature) and return
    (status, headers, body). Synchronous: callers on an event loop run it in a thread."""
    from slack_bolt.request import BoltRequest

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, {"content-type": "text/plain"}, "request body is not UTF-8"
    timestamp = headers.get("x-slack-request-timestamp", "")
    if not timestamp.isascii() or not timestamp.isdigit():
        # slack-sdk's verifier would crash on int("abc") and Bolt would answer 500.
        return 401, {"content-type": "text/plain"}, "invalid request timestamp"
    request = BoltRequest(body=text, query=query, headers=dict(headers.items()))
    response = app.dispatch(request)
    out = {k: v[0] if isinstance(v, list) and v else str(v) for k, v in response.headers.items()}
    return response.status, out, response.body
