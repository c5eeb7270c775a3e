"""Slack's side of OAuth v2 for the stand-in: authorization codes, ``oauth.v2.access``,
and a bot token per installed workspace that ``auth.test`` answers for.

Example:
    >>> oauth = SlackOAuth()
    >>> oauth.configure("111.222", "shh")
    >>> code = oauth.authorize("TALPHA", team_name="Alpha")   # a person clicked "Allow"
    >>> answer = oauth.access({"client_id": "111.222", "client_secret": "shh", "code": code})
    >>> answer["team"], answer["access_token"].startswith("xoxb-TALPHA-")
    ({'id': 'TALPHA', 'name': 'Alpha'}, True)
    >>> oauth.access({"client_id": "111.222", "client_secret": "shh", "code": code})["error"]
    'invalid_code'

As Slack does: client credentials come as HTTP basic auth or form fields (the stand-in's
handler turns the first into the second), a code works once and for 10 minutes, each
installation mints its own bot token (a reinstall's revokes the workspace's previous
bot token: one live bot token per workspace), and a token of an uninstalled workspace
or a revoked one answers ``token_revoked``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marvin.slack.scopes import REQUIRED_SCOPES

CODE_LIFETIME = 600.0
"""Seconds an authorization code stays good, as Slack documents."""

Answer = dict[str, Any]


@dataclass(frozen=True)
class InstalledApp:
    """What one installation gave: the workspace and its tokens."""

    team_id: str
    team_name: str
    bot_token: str
    bot_user_id: str
    bot_id: str
    scope: str
    installer: str
    enterprise_id: str | None = None
    enterprise_name: str = ""
    is_enterprise_install: bool = False
    user_token: str = ""
    user_scope: str = ""


@dataclass
class _Code:
    app: InstalledApp
    issued_at: float
    used: bool = field(default=False)


class SlackOAuth:
    """The OAuth half of the stand-in. Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self.client_id, self.client_secret = "", ""
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, InstalledApp] = {}
        self._revoked: set[str] = set()

    def configure(self, client_id: str, client_secret: str) -> None:
        """The app's credentials, as on its *Basic Information* page."""
        self.client_id, self.client_secret = client_id, client_secret

    def authorize(self, team_id: str, *, team_name: str = "", installer: str = "UINSTALLER",
                  scopes: tuple[str, ...] = REQUIRED_SCOPES, user_scopes: tuple[str, ...] = (),
                  enterprise_id: str | None = None,
                  is_enterprise_install: bool = False) -> str:
        """What Slack's authorize page does when a person allows the app: a fresh code
        (for the redirect), its installation prepared with a new bot token."""
        with self._lock:
            n = len(self._codes) + 1
            app = InstalledApp(
                team_id=team_id, team_name=team_name or team_id,
                bot_token=f"xoxb-{team_id}-{n}-{secrets.token_hex(8)}",
                bot_user_id=f"U{team_id[1:]}BOT", bot_id=f"B{team_id[1:]}", scope=",".join(scopes),
                installer=installer, enterprise_id=enterprise_id,
                enterprise_name=enterprise_id or "", is_enterprise_install=is_enterprise_install,
                user_token=f"xoxp-{team_id}-{n}-{secrets.token_hex(8)}" if user_scopes else "",
                user_scope=",".join(user_scopes))
            code = f"{n}.{secrets.token_hex(12)}"
            self._codes[code] = _Code(app, self._clock())
            return code

    def install(self, team_id: str, bot_token: str, *, team_name: str = "") -> InstalledApp:
        """An installation as if its code had been exchanged, with the bot token given (for
        tests of many workspaces that do not go through the OAuth routes)."""
        app = InstalledApp(
            team_id=team_id, team_name=team_name or team_id, bot_token=bot_token,
            bot_user_id=f"U{team_id[1:]}BOT", bot_id=f"B{team_id[1:]}",
            scope=",".join(REQUIRED_SCOPES), installer="UINSTALLER")
        with self._lock:
            self._keep(app)
        return app

    def age_code(self, code: str, seconds: float) -> None:
        """Make `code` as old as `seconds` (to test expiry without waiting)."""
        with self._lock:
            self._codes[code].issued_at = self._clock() - seconds

    def access(self, params: Answer) -> Answer:
        """``oauth.v2.access``: exchange a code for the installation's tokens."""
        with self._lock:
            if params.get("client_id") != self.client_id or not self.client_id:
                return {"ok": False, "error": "invalid_client_id"}
            if params.get("client_secret") != self.client_secret:
                return {"ok": False, "error": "bad_client_secret"}
            grant = self._codes.get(str(params.get("code") or ""))
            if grant is None or grant.used or self._clock() - grant.issued_at > CODE_LIFETIME:
                return {"ok": False, "error": "invalid_code"}
            grant.used = True
            app = grant.app
            self._keep(app)
            if app.user_token:
                self._tokens[app.user_token] = app
        authed_user: Answer = {"id": app.installer}
        if app.user_token:
            authed_user.update(scope=app.user_scope, access_token=app.user_token,
                               token_type="user")
        enterprise = ({"id": app.enterprise_id, "name": app.enterprise_name}
                      if app.enterprise_id else None)
        return {"ok": True, "app_id": "AMARVIN", "access_token": app.bot_token,
                "token_type": "bot", "scope": app.scope, "bot_user_id": app.bot_user_id,
                "team": {"id": app.team_id, "name": app.team_name}, "enterprise": enterprise,
                "authed_user": authed_user, "is_enterprise_install": app.is_enterprise_install}

    def _keep(self, app: InstalledApp) -> None:
        """`app`'s bot token is the workspace's live one now: a reinstall that issued a
        new one revoked the one before. Under the lock."""
        self._revoked.update(
            token for token, other in self._tokens.items()
            if token == other.bot_token and token != app.bot_token
            and (other.team_id, other.enterprise_id, other.is_enterprise_install)
            == (app.team_id, app.enterprise_id, app.is_enterprise_install))
        self._tokens[app.bot_token] = app
        self._revoked.discard(app.bot_token)

    def installed(self, token: str | None) -> InstalledApp | None:
        """The installation `token` belongs to; None for tokens this half never minted."""
        with self._lock:
            return self._tokens.get(token or "")

    def refusal(self, token: str | None) -> str | None:
        """``token_revoked`` for a revoked token or one of an uninstalled workspace."""
        with self._lock:
            return "token_revoked" if token in self._revoked else None

    def revoke(self, token: str) -> None:
        with self._lock:
            self._revoked.add(token)

    def uninstall(self, team_id: str) -> None:
        """The workspace removed the app: each of its tokens is revoked."""
        with self._lock:
            self._revoked.update(t for t, app in self._tokens.items() if app.team_id == team_id)

    def auth_test(self, token: str) -> Answer | None:
        """``auth.test`` for a minted token (that workspace's ids), None for others."""
        app = self.installed(token)
        if app is None:
            return None
        return {"ok": True, "url": f"https://{app.team_id.lower()}.slack.com/",
                "team": app.team_name, "user": "marvin", "team_id": app.team_id,
                "user_id": app.bot_user_id if token == app.bot_token else app.installer,
                "bot_id": app.bot_id if token == app.bot_token else None,
                "enterprise_id": app.enterprise_id,
                "is_enterprise_install": app.is_enterprise_install}
