"""The Bolt app in Socket Mode: no signing secret needed, envelopes handled, HTTP refused.

Socket Mode hands Bolt each envelope's payload as a `BoltRequest` in mode "socket_mode"
(what slack_bolt's SocketModeHandler does); the fake socket server is not needed for that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from slack_bolt.request import BoltRequest

from marvin.domain.models import DEFAULT_TEAM
from marvin.slack.app import build_app, dispatch
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

TOKEN = "xoxb-test-token"
APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # a Wednesday, before 09:00 standup


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


def test_socket_mode_serves_standup_without_a_signing_secret(
    slack: SlackStandIn, sqlite_store: SqliteStore
) -> None:
    settings = stand_in_settings(slack.url, TOKEN, "", slack_app_token=APP_TOKEN)
    bolt = build_app(settings, sqlite_store, lambda: NOW)
    payload = {"command": "/standup", "text": "did things", "user_id": "U123",
               "user_name": "alice", "team_id": "T1", "channel_id": "C1"}

    response = bolt.dispatch(BoltRequest(body=payload, mode="socket_mode"))

    assert response.status == 200 and "Thanks! Saved your update" in response.body
    update = sqlite_store.get_update(DEFAULT_TEAM, "2026-11-18", "U123")
    assert update is not None and update.entries == ("did things",)

    body = slash_command_body(text="forged")  # signed with the empty secret
    status, _, reason = dispatch(bolt, body, {k.lower(): v for k, v in
                                              signed_headers("", body).items()})
    assert (status, reason) == (404, "no SLACK_SIGNING_SECRET: Slack's requests come over "
                                     "Socket Mode")
