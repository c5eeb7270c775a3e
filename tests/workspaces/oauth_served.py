"""`marvin serve`'s wiring in OAuth mode over HTTP, on either store, for the tests of
installs through the real OAuth routes: the install page and Slack's redirect, slash
commands and events signed as Slack signs them, `POST /jobs/<flow>`; and a clock the test
moves."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from contextlib import closing
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet

from marvin.app import Marvin, open_marvin
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.workspace import Workspace
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.slack.oauth import handle_oauth
from marvin.store import open_store
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, event_body
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from marvin.web.jobs import jobs_routes
from marvin.web.serve import jobs_auth
from marvin.workspace_schedules import WorkspaceSchedulers
from tests.support.settings import stand_in_settings
from tests.workspaces.conftest import MEMBERS, REMINDER_AT, SECRET, add_members

CLIENT_ID, CLIENT_SECRET = "1111.2222", "client-secret-shh"
KEY = Fernet.generate_key().decode()
JOBS = {"authorization": "Bearer jobs-token-0123456789abcdef"}
ALPHA, BRAVO = Workspace("TALPHA"), Workspace("TBRAVO")
U1, U2 = MEMBERS  # the same two people ids in both workspaces


@pytest.fixture(params=["sqlite", "firestore"])
def oauth_settings(request: pytest.FixtureRequest, tmp_path: Path,
                   standin: SlackStandIn) -> Settings:
    standin.oauth.configure(CLIENT_ID, CLIENT_SECRET)
    where: dict[str, object] = {"store": f"sqlite:///{tmp_path / 'marvin.db'}"}
    if request.param == "firestore":
        where = {"store": "firestore",
                 "google_cloud_project": request.getfixturevalue("firestore_project")}
    return stand_in_settings(
        standin.url, "", SECRET, slack_bot_token=None, slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET, encryption_key=KEY, executor="local",
        scheduler="external", jobs_token=JOBS["authorization"].split()[1], **where)


class Clock:
    """The served Marvin's now, which a test moves (`at`)."""

    def __init__(self, at: dt.datetime = REMINDER_AT) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


class Served:
    """`marvin serve`'s wiring in OAuth mode with an external scheduler, over HTTP."""

    def __init__(self, root: Marvin, schedulers: WorkspaceSchedulers, http: httpx.Client,
                 slack: SlackStandIn, clock: Clock) -> None:
        self.root, self.schedulers, self.http, self.slack = root, schedulers, http, slack
        self.clock = clock

    def install(self, team_id: str) -> None:
        page = self.http.get("/slack/install")
        link = unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.text)
                        .group(1))  # type: ignore[union-attr]
        state = parse_qs(urlsplit(link).query)["state"][0]
        code = self.slack.oauth.authorize(team_id)
        done = self.http.get("/slack/oauth_redirect", params={"code": code, "state": state},
                             headers={"cookie": f"slack-app-oauth-state={state}"})
        assert done.status_code == 200, done.text

    def job(self, flow: str, **body: str) -> httpx.Response:
        return self.http.post(f"/jobs/{flow}", json={"team": DEFAULT_TEAM, **body},
                              headers=JOBS)

    def standup(self, team_id: str, text: str = "", trigger_id: str | None = None) -> str:
        body = slash_command_body(text=text, user_id=U1, team_id=team_id,
                                  trigger_id=trigger_id)
        response = self.http.post("/slack/events", content=body,
                                  headers=signed_headers(SECRET, body))
        assert response.status_code == 200, response.text
        return response.text

    def event(self, event: dict[str, object], team_id: str) -> int:
        body = event_body(event, team_id=team_id)
        headers = signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE)
        return self.http.post("/slack/events", content=body, headers=headers).status_code

    def token(self, workspace: Workspace) -> str:
        installations = self.root.installations
        assert installations is not None
        token = installations.bot_token(workspace)
        assert token
        return token


@pytest.fixture
def served(oauth_settings: Settings, standin: SlackStandIn) -> Iterator[Served]:
    settings = oauth_settings
    with closing(open_store(settings.store, project=settings.google_cloud_project)) as before:
        add_members(before, (U1, U2))  # single-token mode's data, before any install
    clock = Clock()
    with open_marvin(settings, now=clock) as root:
        bolt = root.bolt()
        schedulers = root.scheduler()
        assert isinstance(schedulers, WorkspaceSchedulers)
        web = build_web_app(
            functools.partial(dispatch, bolt), lambda: {"ok": True},
            extra_routes=jobs_routes(settings, schedulers, jobs_auth(settings), root.now),
            oauth_handler=functools.partial(handle_oauth, bolt))
        schedulers.start(catch_up=False, fire=False)
        try:
            with serve_in_thread(web) as (url, _stop), \
                    httpx.Client(base_url=url, timeout=20) as http:
                yield Served(root, schedulers, http, standin, clock)
        finally:
            schedulers.shutdown(wait=False)
