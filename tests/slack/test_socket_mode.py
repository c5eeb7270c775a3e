"""Socket Mode end to end: the scenarios of the HTTP route, over a real websocket.

Marvin connects as `marvin serve` does (apps.connections.open on the Web API stand-in,
then the fake Socket Mode server); each envelope must be acked on its connection, a
slash command's answer riding on the ack, and nothing Slack could send crashes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from marvin.domain.models import DEFAULT_TEAM
from marvin.slack.socket_envelope import MAX_PAYLOAD_CHARS
from marvin.store.base import Store
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_envelopes import (
    block_action_payload,
    event_envelope,
    interactive_envelope,
    new_envelope_id,
    slash_envelope,
)
from marvin.testing.socket_server import FakeSocketServer
from tests.support.socket_mode import APP_TOKEN, connected

DATE = "2026-11-18"


@pytest.fixture
def server() -> Iterator[FakeSocketServer]:
    with FakeSocketServer() as fake:
        yield fake


def ask(server: FakeSocketServer, text: str, user: str = "U123") -> str:
    """The ephemeral answer to `/standup text`, read from the envelope's ack."""
    ack = server.wait_ack(server.send_envelope(slash_envelope(text, user_id=user)))
    assert ack.payload is not None and ack.payload.get("response_type") == "ephemeral"
    return str(ack.payload["text"])


def test_standup_update_show_clear_and_help_over_the_socket(
    standin: SlackStandIn, server: FakeSocketServer, store: Store
) -> None:
    with connected(standin, server, store):
        assert "Thanks! Saved your update" in ask(server, "fixed the build")
        update = store.get_update(DEFAULT_TEAM, DATE, "U123")
        assert update is not None and update.entries == ("fixed the build",)

        assert "fixed the build" in ask(server, "show")
        assert "fixed the build" in ask(server, "clear")
        assert store.get_update(DEFAULT_TEAM, DATE, "U123") is None
        assert "/standup show" in ask(server, "help")

    [opened] = standin.calls_to("apps.connections.open")
    assert opened.token == APP_TOKEN


def test_a_null_text_is_an_empty_command_not_the_word_none(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore
) -> None:
    envelope = slash_envelope()
    envelope["payload"]["text"] = None
    with connected(standin, server, sqlite_store):
        ack = server.wait_ack(server.send_envelope(envelope))
    assert ack.payload is not None and "None" not in str(ack.payload["text"])
    assert sqlite_store.get_update(DEFAULT_TEAM, DATE, "U123") is None


def test_events_and_interactions_are_acked_without_an_answer(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore
) -> None:
    """Slack resends what is not acked within 3 s: an envelope no listener takes is still
    acked, and nothing rides on an ack Slack does not accept an answer on."""
    envelopes = [
        event_envelope({"type": "app_home_opened", "user": "U123", "channel": "D123",
                        "tab": "home", "event_ts": "1700000000.000100"}),
        event_envelope({"type": "app_mention", "user": "U123", "text": "<@UBOT> hi",
                        "channel": "C1", "ts": "1700000000.000200"}, retry_attempt=1),
        interactive_envelope(block_action_payload()),
    ]
    with connected(standin, server, sqlite_store):
        acks = [server.wait_ack(server.send_envelope(e)) for e in envelopes]
    assert [ack.payload for ack in acks] == [None, None, None]


HOSTILE = [
    pytest.param("{not json", id="not-json"),
    pytest.param(b"\x00\xff binary", id="binary-frame"),
    pytest.param("[1, 2, 3]", id="json-array"),
    pytest.param(json.dumps({"type": "slash_commands", "payload": {}}), id="no-envelope-id"),
    pytest.param(json.dumps({"envelope_id": 12, "type": "slash_commands", "payload": {}}),
                 id="numeric-envelope-id"),
    pytest.param(json.dumps({"type": "mystery"}), id="unknown-type"),
]


@pytest.mark.parametrize("frame", HOSTILE)
def test_a_hostile_frame_is_dropped_and_the_next_envelope_answered(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    frame: str | bytes,
) -> None:
    with connected(standin, server, sqlite_store) as socket:
        server.send_raw(frame)
        assert "Thanks" in ask(server, "still here")
        assert socket.status().connected
    assert server.connections == 1  # nothing made it reconnect
    assert [ack.envelope_id is not None for ack in server.acks] == [True]


WRONG_TYPES = [
    pytest.param({"payload": "text"}, id="payload-string"),
    pytest.param({"payload": None}, id="payload-null"),
    pytest.param({"payload": {"command": "/standup", "text": ["a"], "user_id": 7}},
                 id="fields-of-wrong-types"),
    pytest.param({"type": "interactive", "payload": {"type": "block_actions"}},
                 id="interaction-without-fields"),
    pytest.param({"payload": {"command": "/standup", "text": "x" * MAX_PAYLOAD_CHARS}},
                 id="huge-payload"),
]


@pytest.mark.parametrize("change", WRONG_TYPES)
def test_a_malformed_envelope_is_acked_without_storing_anything(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    change: dict[str, object],
) -> None:
    envelope = {"envelope_id": new_envelope_id(), "type": "slash_commands",
                "accepts_response_payload": True, **change}
    with connected(standin, server, sqlite_store):
        ack = server.wait_ack(server.send_envelope(envelope))
        assert "Thanks" in ask(server, "still here", user="U999")
    assert ack.payload is None or "Thanks" not in str(ack.payload.get("text"))
    assert sqlite_store.get_update(DEFAULT_TEAM, DATE, "U123") is None
    assert server.connections == 1
