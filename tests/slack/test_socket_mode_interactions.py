"""The update modal and its buttons in Socket Mode: the same listeners, no HTTP.

Socket Mode hands Bolt each envelope's payload as a `BoltRequest` in mode "socket_mode",
as slack_bolt's SocketModeHandler does; the stand-in is Slack's Web API.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.request import BoltRequest

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.interactions.ui_ids import SKIP_TODAY
from marvin.slack.app import build_app
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.interaction_payloads import block_actions, view_submission
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # a Wednesday, before 09:00 standup
DATE = "2026-11-18"
USER = "U0ANN"


@pytest.fixture
def slack(standin: SlackStandIn) -> SlackStandIn:
    return standin  # the shared one (tests/conftest.py), by the name used here


@pytest.fixture
def bolt(slack: SlackStandIn, sqlite_store: SqliteStore) -> App:
    sqlite_store.save_member(Member(USER, DEFAULT_TEAM, "ann", DATE))
    settings = stand_in_settings(slack.url, TOKEN, "", slack_app_token=APP_TOKEN)
    return build_app(settings, sqlite_store, lambda: NOW)


def envelope(bolt: App, payload: dict[str, Any]) -> tuple[int, str]:
    response = bolt.dispatch(BoltRequest(body=payload, mode="socket_mode"))
    return response.status, response.body


def test_standup_opens_the_modal_and_its_submission_is_saved(
    bolt: App, slack: SlackStandIn, sqlite_store: SqliteStore
) -> None:
    trigger = slack.issue_trigger()
    command = {"command": "/standup", "text": "", "user_id": USER, "user_name": "ann",
               "team_id": "T1", "channel_id": "C1", "trigger_id": trigger}
    assert envelope(bolt, command) == (200, "")
    [opened] = slack.calls_to("views.open")
    assert opened.outcome == "ok"
    view = {**opened.params["view"], "id": "V1"}

    status, body = envelope(bolt, view_submission(USER, view, {"q1": "a", "q2": "b"},
                                                  slack.issue_trigger()))

    assert status == 200 and json.loads(body)["response_action"] == "update"
    update = sqlite_store.get_update(DEFAULT_TEAM, DATE, USER)
    assert update is not None and [a.text for a in update.answers] == ["a", "b"]


def test_skip_today_edits_the_reminder_dm(
    bolt: App, slack: SlackStandIn, sqlite_store: SqliteStore
) -> None:
    ts = bolt.client.chat_postMessage(channel=f"D{USER}", text="reminder")["ts"]
    payload = block_actions(USER, SKIP_TODAY, DATE, slack.issue_trigger(), f"D{USER}", ts)
    assert envelope(bolt, payload)[0] == 200
    assert slack.world.messages(f"D{USER}")[-1]["text"].startswith("You are skipping")
    update = sqlite_store.get_update(DEFAULT_TEAM, DATE, USER)
    assert update is not None and update.skipped


def test_a_garbled_envelope_is_answered_not_a_crash(bolt: App, slack: SlackStandIn) -> None:
    # Not every garbling: Bolt reads ``body["view"]["type"]`` before any middleware, so a
    # view without a type fails inside Bolt. Over HTTP `dispatch` refuses it first (400);
    # over Socket Mode only Slack itself can send an envelope, and it always sends one.
    for payload in ({"type": "view_submission", "user": {"id": USER}, "view": {}},
                    {"type": "view_submission", "user": "x", "view": {"type": "modal"}},
                    {"type": "block_actions", "user": {"id": 5}, "actions": [{}]},
                    {"type": "block_actions", "user": {"id": USER}, "actions": "x"}):
        status, _ = envelope(bolt, payload)
        assert status < 500, payload
    assert slack.calls_to("views.open") == []
