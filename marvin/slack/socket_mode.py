"""Socket Mode: Slack sends events over a websocket Marvin opens (no public URL needed)."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler


def start_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Connect in the background; the caller closes the handler on shutdown."""
    handler = SocketModeHandler(app, app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    return handler
