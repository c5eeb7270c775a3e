"""Socket Mode: Slack sends events over a websocket Marvin opens (no public URL needed)."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError

from marvin.settings import SettingsError


def start_socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """Connect in the background; the caller closes the handler on shutdown.

    Raises:
        SettingsError: Slack refused SLACK_APP_TOKEN (revoked, mistyped, another app's).
    """
    handler = SocketModeHandler(app, app_token)
    # The SDK logs a refusal before raising it; at start-up Marvin says it once, naming
    # the variable. Later refusals (a token revoked while running) stay in the log.
    sdk_log, quiet = logging.getLogger(handler.client.logger.name), _NotTheRefusal()
    sdk_log.addFilter(quiet)
    try:
        handler.connect()  # type: ignore[no-untyped-call]
    except SlackApiError as exc:
        handler.close()  # type: ignore[no-untyped-call]
        raise SettingsError(
            f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error', 'refused')}): check "
            "the app-level token (xapp-, scope connections:write; README, 'Slack app setup')"
        ) from None
    finally:
        sdk_log.removeFilter(quiet)
    return handler


class _NotTheRefusal(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to retrieve WSS URL")
