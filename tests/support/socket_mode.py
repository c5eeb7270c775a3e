"""Marvin in Socket Mode against the fake Socket Mode server, as `marvin serve` connects it.

`connected(...)` goes through `marvin.web.serve.slack_requests`, the path `serve` takes
when SLACK_APP_TOKEN is set: apps.connections.open on the Web API stand-in, then the
websocket to the fake server, with Bolt answering each envelope.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

from marvin.slack.app import build_app
from marvin.slack.socket_mode import SocketMode, SocketTiming
from marvin.store.base import Store
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_server import FakeSocketServer
from marvin.web.serve import slack_requests
from tests.support.settings import stand_in_settings

TOKEN = "xoxb-socket-test-token"
APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # a Wednesday, before 09:00 standup

QUICK = SocketTiming(ping_interval=0.5, ping_timeout=2.0, close_timeout=0.5,
                     backoff_first=0.2, backoff_cap=1.0, refresh_drain=2.0)
"""Short enough that a dead connection is noticed in a test's time; the same code paths.
The pong gets 2 s: on a loaded machine a live connection's pong can take over 0.5 s."""


@contextmanager
def connected(standin: SlackStandIn, server: FakeSocketServer, store: Store,
              timing: SocketTiming = QUICK) -> Iterator[SocketMode]:
    """Marvin connected to `server` for the block (closed after, as serve closes it)."""
    # The Firestore emulator's first call runs in a cold JVM (1-4 s), past the listener's
    # 2 s store budget: that wait belongs to set-up, not to the first envelope.
    store.list_teams()
    standin.socket_url = server.url
    settings = stand_in_settings(standin.url, TOKEN, "", slack_app_token=APP_TOKEN)
    bolt = build_app(settings, store, lambda: NOW)
    with slack_requests(bolt, settings, timing) as (http_handler, socket):
        assert http_handler is None and socket is not None  # Socket Mode: no HTTP route
        server.wait_connected()
        deadline = time.monotonic() + 10  # until Marvin has read the hello, not only sent
        while not socket.status().connected:
            assert time.monotonic() < deadline, "no hello read in 10 s"
            time.sleep(0.01)
        yield socket
