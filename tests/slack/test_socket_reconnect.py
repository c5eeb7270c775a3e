"""Socket Mode connections end: refreshed by Slack, closed, or dropped without a word.

Each case against the fake Socket Mode server: the loss is noticed (a silent drop by
ping/pong), Marvin reconnects and says so in exactly one log line per attempt, with why
and the attempt number, and backs off instead of spinning when it cannot get back in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from marvin.slack.socket_mode import SocketTiming, backoff_delay
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_envelopes import slash_envelope
from marvin.testing.socket_server import FakeSocketServer
from tests.support.socket_mode import connected

SOCKET_LOG = "marvin.slack.socket"


@pytest.fixture
def server() -> Iterator[FakeSocketServer]:
    with FakeSocketServer() as fake:
        yield fake


def reconnect_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == SOCKET_LOG and "reconnecting" in r.getMessage()]


def answered(server: FakeSocketServer, text: str = "back again") -> bool:
    ack = server.wait_ack(server.send_envelope(slash_envelope(text)))
    return ack.payload is not None and "Thanks" in str(ack.payload.get("text"))


def test_a_refresh_opens_the_new_connection_while_the_old_one_still_answers(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, SOCKET_LOG)
    with connected(standin, server, sqlite_store) as socket:
        server.request_refresh()
        during = server.send_envelope(slash_envelope("sent during the refresh"))
        server.wait_connected(2)
        after = server.send_envelope(slash_envelope("sent after it"))

        assert server.wait_ack(during).connection == 1  # the old connection still answers
        assert server.wait_ack(after).connection == 2
        assert socket.status().connected
    assert reconnect_lines(caplog) == [
        "Socket Mode: reconnecting (attempt 1): Slack asked for a new connection "
        "(refresh_requested)"
    ]
    assert len(standin.calls_to("apps.connections.open")) == 2  # a fresh URL for each


@pytest.mark.parametrize(("abrupt", "why"), [
    (False, "connection lost (closed by Slack, code 1000)"),
    (True, "connection lost (dropped, no close frame)"),
])
def test_a_closed_connection_is_replaced_at_once(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    caplog: pytest.LogCaptureFixture, abrupt: bool, why: str,
) -> None:
    with connected(standin, server, sqlite_store) as socket:
        server.close_connection(abrupt=abrupt)
        server.wait_connected(2)
        assert answered(server)
        assert socket.status().connected
    assert reconnect_lines(caplog) == [f"Socket Mode: reconnecting (attempt 1): {why}"]


def test_a_silent_drop_is_noticed_by_ping_and_replaced(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with connected(standin, server, sqlite_store):
        server.go_silent()  # no close frame, no pong: only a ping can tell
        server.wait_connected(2)
        assert answered(server)
    [line] = reconnect_lines(caplog)
    assert line == ("Socket Mode: reconnecting (attempt 1): connection lost (dropped, "
                    "code 1011: keepalive ping timeout)")
    assert not [r for r in caplog.records if r.exc_info]  # one line, no traceback


def test_reconnects_back_off_while_slack_refuses_and_resume_when_it_answers(
    standin: SlackStandIn, server: FakeSocketServer, sqlite_store: SqliteStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    window = 3.0
    with connected(standin, server, sqlite_store) as socket:
        server.refuse_connections = True
        server.close_connection()
        time.sleep(window)  # a window in which a busy loop would try hundreds of times
        assert not socket.status().connected
        tries = len(standin.calls_to("apps.connections.open")) - 1
        lines = reconnect_lines(caplog)

        server.refuse_connections = False
        server.wait_connected(2)
        assert answered(server)
    # waits of 0, ~0.2, ~0.4, ~0.8, then ~1 s: a handful of tries, each one logged line
    assert 3 <= tries <= 10, tries  # a busy loop: hundreds
    assert [int(line.split("attempt ")[1].split(",")[0].split(")")[0])
            for line in lines[:tries]] == list(range(1, tries + 1))
    assert all("could not connect" in line for line in lines[1:tries])


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    timing = SocketTiming(backoff_first=1.0, backoff_cap=30.0)
    assert backoff_delay(1, timing) == 0.0  # a loss is retried at once
    lows = [backoff_delay(n, timing, rand=lambda: 0.0) for n in range(2, 9)]
    highs = [backoff_delay(n, timing, rand=lambda: 1.0) for n in range(2, 9)]
    assert lows == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    assert highs == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
