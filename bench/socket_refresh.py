"""Ack time of Socket Mode envelopes sent while Slack refreshes the connection.

Run: ``python -m bench.socket_refresh`` (``--rounds``, ``--per-round``, ``--client``).

Slack refreshes Socket Mode connections routinely: it sends ``disconnect`` /
``refresh_requested``, keeps the old connection a few seconds, then closes it. Envelopes
keep coming meanwhile and each must be acked within 3 s. Each round here asks for a
refresh (the fake server closes the old connection `--close-after` s later, as Slack
does), sends `--per-round` slash commands spread over the 2 s after it, and times each
from the moment it is pushed to the moment its ack arrives (`FakeSocketServer` records
both). Every ack must carry the "Thanks" answer, or the run fails.

``--client marvin`` is Marvin's connection (`marvin.slack.socket_mode`); ``--client
builtin`` is slack_bolt's default `SocketModeHandler` (slack_sdk's built-in client), the
one Marvin used before, and ``--client websocket-client`` bolt's adapter on that
library, for comparison.

Target: p99 < 500 ms (Slack's limit is 3 s, network time not included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from bench.ack_latency import percentile
from marvin.settings import Settings
from marvin.slack.app import App, build_app
from marvin.store import open_store
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_envelopes import slash_envelope
from marvin.testing.socket_server import FakeSocketServer
from marvin.web.serve import slack_requests

TOKEN = "xoxb-bench-token"
APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)


@contextmanager
def marvin_client(app: App, settings: Settings) -> Iterator[None]:
    with slack_requests(app, settings):
        yield


@contextmanager
def bolt_adapter(module: str, app: App) -> Iterator[None]:
    """One of slack_bolt's sync Socket Mode adapters, connected for the block."""
    handler = importlib.import_module(f"slack_bolt.adapter.socket_mode.{module}")
    socket_mode = handler.SocketModeHandler(app, APP_TOKEN)
    socket_mode.connect()
    try:
        yield
    finally:
        socket_mode.close()


CLIENTS: dict[str, Callable[[App, Settings], AbstractContextManager[None]]] = {
    "marvin": marvin_client,
    "builtin": lambda app, _settings: bolt_adapter("builtin", app),
    # websocket-client is not one of Marvin's dependencies: pip install it to compare
    "websocket-client": lambda app, _settings: bolt_adapter("websocket_client", app),
}


def run(client: str, rounds: int, per_round: int, close_after: float
        ) -> tuple[list[float], int]:
    """Ack times (s) of the envelopes sent during the refreshes, and how many were never
    acked (pushed on a connection the client had already given up)."""
    times: list[float] = []
    lost = 0
    with tempfile.TemporaryDirectory() as tmp, SlackStandIn() as standin, \
            FakeSocketServer() as server:
        standin.socket_url = server.url
        store = open_store(f"sqlite:///{Path(tmp) / 'marvin.db'}")
        fields: dict[str, Any] = {
            "slack_bot_token": TOKEN, "slack_app_token": APP_TOKEN,
            "slack_api_url": standin.url, "timezone": "UTC", "standup_time": "09:00",
            "standup_days": "mon-fri"}
        settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]  # pydantic-settings
        app = build_app(settings, store, lambda: NOW)
        with CLIENTS[client](app, settings):
            server.wait_connected()
            for n in range(rounds):
                server.wait_open(timeout=60)
                server.request_refresh(close_after=close_after)
                start, sent = time.monotonic(), []
                for i in range(per_round):  # spread over the 2 s after the refresh
                    time.sleep(max(0.0, start + 2.0 * i / per_round - time.monotonic()))
                    envelope = slash_envelope(f"round {n} #{i}", user_id=f"U{i:04d}")
                    try:
                        sent.append(server.send_envelope(envelope, hold=10))
                    except RuntimeError:  # no connection for 10 s: Slack would give up
                        lost += 1
                for envelope_id in sent:
                    try:
                        ack = server.wait_ack(envelope_id, timeout=10)
                    except TimeoutError:
                        lost += 1
                        continue
                    if ack.payload is None or "Thanks" not in str(ack.payload.get("text")):
                        sys.exit(f"envelope {envelope_id} acked without the answer: {ack}")
                    times.append(ack.at - server.sent_at(envelope_id))
                time.sleep(close_after + 0.5)  # the old connection gone before the next
        store.close()
    return times, lost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=sorted(CLIENTS), default="marvin")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--close-after", type=float, default=3.0,
                        help="seconds Slack keeps the old connection after asking to refresh")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    times, lost = run(args.client, args.rounds, args.per_round, args.close_after)
    ms = [t * 1000 for t in times]
    print(f"client={args.client} envelopes={len(ms) + lost} rounds={args.rounds} "
          f"never acked: {lost}")
    print(f"ack ms: p50={statistics.median(ms):.1f} p99={percentile(ms, 99):.1f} "
          f"max={max(ms):.1f} over 500 ms: {sum(m > 500 for m in ms)} "
          f"over 3 s: {sum(m > 3000 for m in ms)}")


if __name__ == "__main__":
    main()
