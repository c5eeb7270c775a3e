"""Helpers for the digest-edit tests: a posted digest, and Marvin answering signed
`/standup` commands over real HTTP at a later time (the production wiring, `build_app` +
`build_web_app` under uvicorn)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx

from marvin.engine import FlowRun, LocalExecutor
from marvin.interactions.app_home import HOME_EDIT_UPDATE
from marvin.slack.app import App, build_app, dispatch
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.store import Store
from marvin.testing.interaction_payloads import (
    block_actions_in_view,
    button_action,
    interaction_body,
    view_submission,
)
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from tests.reliability.conftest import (
    SIGNING_SECRET,
    STANDUP_AT,
    TEAM,
    FixedClock,
    make_settings,
    run,
    services_on,
)


class ArmAfterFirstPost:
    """A `ChatAPI` that arms a fault in the stand-in once its first message is out, so the
    second post meets it; every other call is delegated as it comes."""

    def __init__(self, inner: Any, arm: Callable[[], None]) -> None:
        self.inner, self.arm, self.posted = inner, arm, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post_message(self, *args: Any, **kwargs: Any) -> str:
        ts = str(self.inner.post_message(*args, **kwargs))
        self.posted += 1
        if self.posted == 1:
            self.arm()
        return ts


def post_digest(
    standin: SlackStandIn, store: Store, at: dt.datetime = STANDUP_AT, **parameters: Any
) -> FlowRun:
    """`marvin run standup` at `at` (the scheduled run at standup time by default)."""
    services = services_on(standin.url, store, at)
    result = run("standup", {"team": TEAM, **parameters}, services, LocalExecutor())
    return result


@dataclass
class SlashCommands:
    """Signed `/standup` commands to a running Marvin; `drain` waits for digest syncs."""

    http: httpx.Client
    bolt: App
    clock: FixedClock
    standin: SlackStandIn

    def answer(self, text: str, user_id: str) -> str:
        body = slash_command_body(text=text, user_id=user_id, user_name=f"name-{user_id}")
        response = self.http.post("/slack/events", content=body,
                                  headers=signed_headers(SIGNING_SECRET, body))
        assert response.status_code == 200, response.text
        return str(response.json()["text"])

    def submit_form(self, user_id: str, answers: dict[str, str | None], *,
                    from_home: str | None = None) -> dict[str, Any]:
        """`/standup` with no text (or, given the date, the Home tab's Edit button) opens
        the modal, then Save with `answers` by question id; returns the submission's ack."""
        views = self.standin.world.views
        if from_home is None:
            body = slash_command_body(text="", user_id=user_id, trigger_id=views.issue())
        else:
            click = button_action(HOME_EDIT_UPDATE, from_home)
            body = interaction_body(block_actions_in_view(user_id, click, views.issue(),
                                                          {"id": "VHOME", "type": "home"}))
        opened = self.http.post("/slack/events", content=body,
                                headers=signed_headers(SIGNING_SECRET, body))
        assert opened.status_code == 200, opened.text
        view = views.opened()[-1]
        payload = interaction_body(view_submission(user_id, view, answers, views.issue()))
        response = self.http.post("/slack/events", content=payload,
                                  headers=signed_headers(SIGNING_SECRET, payload))
        assert response.status_code == 200, response.text
        return dict(response.json()) if response.text else {}

    def drain(self) -> None:
        cast(DigestSyncRunner, self.bolt.marvin_digest_sync).drain()  # type: ignore[attr-defined]


@contextmanager
def slash_commands(
    standin: SlackStandIn, store: Store, at: dt.datetime, **settings: Any
) -> Iterator[SlashCommands]:
    """Marvin serving Slack's requests over HTTP, its clock at `at`."""
    clock = FixedClock(at)
    bolt = build_app(make_settings(standin.url, **settings), store, clock)
    web = build_web_app(functools.partial(dispatch, bolt), lambda: {"ok": True})
    with serve_in_thread(web) as (url, _stop), httpx.Client(base_url=url, timeout=10) as http:
        commands = SlashCommands(http, bolt, clock, standin)
        try:
            yield commands
        finally:
            commands.drain()
