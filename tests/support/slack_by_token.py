"""One Slack Web API URL in front of many stand-ins, each one workspace.

Slack serves every workspace at one URL and tells them apart by the token; so does this:
a call goes to the stand-in whose workspace the token belongs to, and a token of no
workspace is ``invalid_auth``, as Slack answers it.
"""

from __future__ import annotations

from typing import Any

from marvin.testing.slack_api import SlackStandIn, _error, _Reply


class SlackByToken(SlackStandIn):
    """Started like a stand-in; its own world is never asked."""

    def __init__(self, by_token: dict[str, SlackStandIn]) -> None:
        super().__init__()
        self.by_token = by_token

    def _handle(self, method: str, params: dict[str, Any] | None, token: str | None) -> _Reply:
        workspace = self.by_token.get(token or "")
        if workspace is None:
            return _error("invalid_auth")
        return workspace._handle(method, params, token)
