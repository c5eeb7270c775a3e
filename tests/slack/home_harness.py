"""The Home tab harness: Marvin behind a real HTTP server, what Slack saw of the tab, and
signed events and interactions to drive it (`home` fixture, via tests/slack/conftest.py)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from marvin.slack.app import build_app, dispatch
from marvin.store.base import Store
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, app_home_opened, event_body
from marvin.testing.interaction_payloads import (
    block_actions_in_view,
    button_action,
    interaction_body,
    view_submission_with_state,
)
from marvin.testing.signing import signed_headers
from marvin.testing.slack_api import SlackStandIn
from tests.slack.conftest import Current
from tests.support.settings import stand_in_settings

SECRET = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "xoxb-test-token"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # Wednesday, before the 09:00 standup
DATE = "2026-11-18"
ALICE, BOB, BOSS = "U0ALICE", "U0BOB", "U0BOSS"


@dataclass
class Home:
    """Marvin behind a real HTTP server, and what Slack saw of its Home tab."""

    store: Store
    slack: SlackStandIn
    http: httpx.Client

    def post(self, body: bytes, content_type: str | None = None) -> httpx.Response:
        headers = (signed_headers(SECRET, body) if content_type is None
                   else signed_headers(SECRET, body, content_type=content_type))
        return self.http.post("/slack/events", content=body, headers=headers)

    def open_tab(self, user: str) -> dict[str, Any]:
        response = self.post(event_body(app_home_opened(user)), JSON_CONTENT_TYPE)
        assert response.status_code == 200, response.text
        return self.tab(user)

    def tab(self, user: str) -> dict[str, Any]:
        return self.slack.world.views.home[user]

    def click(self, user: str, action_id: str, value: str, *, view: dict[str, Any] | None = None,
              selected: str | None = None) -> httpx.Response:
        action = button_action(action_id, value)
        if selected is not None:
            action = {"action_id": action_id, "block_id": "b1", "type": "static_select",
                      "selected_option": {"text": {"type": "plain_text", "text": selected},
                                          "value": selected}, "action_ts": "1.0"}
        trigger = self.slack.world.views.issue()
        payload = block_actions_in_view(user, action, trigger, view or self.tab(user))
        return self.post(interaction_body(payload))

    def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> httpx.Response:
        trigger = self.slack.world.views.issue()
        return self.post(interaction_body(view_submission_with_state(user, view, values, trigger)))


@pytest.fixture
def home(store: Store, slack: SlackStandIn,
         server: tuple[str, Current, httpx.Client]) -> Iterator[Home]:
    _url, current, http = server
    settings = stand_in_settings(slack.url, TOKEN, SECRET, admins=BOSS)
    bolt = build_app(settings, store, lambda: NOW)
    current.handler, current.health = functools.partial(dispatch, bolt), lambda: {"ok": True}
    try:
        yield Home(store, slack, http)
    finally:
        current.handler = current.health = None


def texts(view: dict[str, Any]) -> str:
    """Every text of a view, one per line, to assert on what a person reads."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(view["blocks"])
    return "\n".join(found)


def action_ids(view: dict[str, Any]) -> list[str]:
    ids = []
    for block in view["blocks"]:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and "action_id" in element:
                ids.append(element["action_id"])
    return ids


