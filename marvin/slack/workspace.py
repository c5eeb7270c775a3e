"""What `marvin doctor` asks Slack beyond the flows' calls: who the token is and which scopes
it was granted (whether a user is active, `user_status`, the flows ask too).

Slack returns the token's granted scopes in the ``x-oauth-scopes`` header of every
answer (``auth.test`` included), so one call tells both validity and scopes.

Example:
    >>> workspace = SlackWorkspace("xoxb-...", "https://slack.com/api/")  # doctest: +SKIP
    >>> workspace.auth_info().is_bot  # doctest: +SKIP
    True
"""

from __future__ import annotations

from marvin.slack.client import SlackWebChat
from marvin.slack.protocol import AuthInfo, UserStatus

__all__ = ["AuthInfo", "SlackWorkspace", "UserStatus"]


class SlackWorkspace(SlackWebChat):
    """`SlackWebChat` plus the questions a setup check asks."""

    def auth_info(self) -> AuthInfo:
        """``auth.test``: whether the token is valid, whose it is and what it may do.

        Raises:
            SlackError: the token is refused (``invalid_auth``) or Slack cannot be reached.
        """
        response = self._call("auth.test", "-", lambda: self._client.auth_test())
        raw: object = next(
            (v for k, v in (response.headers or {}).items() if k.lower() == "x-oauth-scopes"), ""
        )
        value = raw[0] if isinstance(raw, list) and raw else raw
        return AuthInfo(
            team=str(response.get("team") or ""),
            user_id=str(response.get("user_id") or ""),
            bot_id=str(response.get("bot_id") or ""),
            scopes=frozenset(s.strip() for s in str(value).split(",") if s.strip()),
        )
