"""A Marvin in OAuth mode over real HTTP, for the install tests: the web app wired as
`marvin serve` wires it, Bolt's OAuth flow on `Installations` (SQLite or Firestore), and
the stand-in playing Slack's authorize page and ``oauth.v2.access``."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from marvin.slack.app import build_app, dispatch
from marvin.slack.oauth import handle_oauth
from marvin.store.base import Store
from marvin.store.firestore.installations import FirestoreInstallations
from marvin.store.installations import InstallationRows, Installations
from marvin.store.sqlite.installations import SqliteInstallations
from marvin.store.token_cipher import TokenCipher
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, event_body
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from tests.support.settings import stand_in_settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-secret-shh"
KEY = Fernet.generate_key().decode()
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)
COOKIE = "slack-app-oauth-state"


@dataclass
class InstallPage:
    status: int
    link: str  # the "Add to Slack" link
    state: str
    cookie: str  # the Set-Cookie header

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.link).query).items()}


@dataclass
class OAuthMarvin:
    """Marvin in OAuth mode behind a real HTTP server."""

    http: httpx.Client
    slack: SlackStandIn
    store: Store
    installations: Installations

    def install_page(self) -> InstallPage:
        response = self.http.get("/slack/install")
        link = unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', response.text)
                        .group(1))  # type: ignore[union-attr]
        state = parse_qs(urlsplit(link).query)["state"][0]
        return InstallPage(response.status_code, link, state, response.headers["set-cookie"])

    def redirect(self, query: dict[str, str], state_cookie: str | None) -> httpx.Response:
        headers = {"cookie": f"{COOKIE}={state_cookie}"} if state_cookie else {}
        return self.http.get("/slack/oauth_redirect", params=query, headers=headers)

    def install(self, team_id: str, name: str = "") -> httpx.Response:
        """The whole dance: the install page, Slack's authorize page (a code), the redirect."""
        page = self.install_page()
        code = self.slack.oauth.authorize(team_id, team_name=name or team_id)
        return self.redirect({"code": code, "state": page.state}, page.state)

    def event(self, event: dict[str, Any], team_id: str) -> httpx.Response:
        body = event_body(event, team_id=team_id)
        headers = signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE)
        return self.http.post("/slack/events", content=body, headers=headers)


def open_rows(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> InstallationRows:
    if backend == "sqlite":
        return SqliteInstallations(str(tmp_path / "marvin.db"))
    return FirestoreInstallations(project=request.getfixturevalue("firestore_project"))


@pytest.fixture(params=["sqlite", "firestore"])
def oauth_marvin(request: pytest.FixtureRequest, tmp_path: Path,
                 standin: SlackStandIn) -> Iterator[OAuthMarvin]:
    store: Store = request.getfixturevalue(f"{request.param}_store")
    standin.oauth.configure(CLIENT_ID, CLIENT_SECRET)
    settings = stand_in_settings(
        standin.url, "", SECRET, slack_bot_token=None, slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET, encryption_key=KEY)
    with closing(open_rows(request.param, tmp_path, request)) as rows:
        installations = Installations(rows, TokenCipher(KEY))
        bolt = build_app(settings, store, lambda: NOW, installations=installations)
        web = build_web_app(functools.partial(dispatch, bolt), lambda: {"ok": True},
                            oauth_handler=functools.partial(handle_oauth, bolt))
        with serve_in_thread(web) as (url, _stop), httpx.Client(base_url=url, timeout=10) as http:
            yield OAuthMarvin(http, standin, store, installations)
