"""Socket Mode: Slack sends requests over a websocket Marvin opens (no public URL needed).

Marvin keeps the connection itself, on the `websockets` library's threaded client, and
hands each envelope to the same Bolt app the HTTP route uses. slack_sdk's own clients
were measured and set aside (docs/socket-mode.md): the built-in one reconnects on its
single message thread, so envelopes that arrive during a routine refresh wait for the old
socket's 3 s read timeout, past Slack's 3 s limit. Here:

- a refresh (``disconnect``) opens the new connection beside the old one, which keeps
  being read and acked until the new one says hello (then drains and closes);
- each envelope runs on a small worker pool and is acked on the connection it came on;
- ping/pong every `SocketTiming.ping_interval` seconds notices a dead connection (closed
  by Slack, or a silent TCP drop), and reconnects back off (capped, jittered), one log
  line per attempt;
- `status()` says whether a connection is up, for /healthz.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from marvin.settings import SettingsError
from marvin.slack.socket_envelope import answer, read_message

log = logging.getLogger("marvin.slack.socket")


class _NotTheKeepaliveTraceback(logging.Filter):
    """websockets logs a lost ping with a traceback; Marvin's reconnect line says it once."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("keepalive ping failed")


_wire_log = logging.getLogger("marvin.slack.socket.wire")
_wire_log.addFilter(_NotTheKeepaliveTraceback())


@dataclass(frozen=True)
class SocketTiming:
    """How quickly a dead connection is noticed and how reconnects are paced (seconds).

    A silent drop is noticed within ``ping_interval + ping_timeout + close_timeout``.
    Reconnect attempt 1 is immediate; attempt n waits about ``backoff_first * 2**(n-2)``,
    at most `backoff_cap`, jittered down by up to half so replicas do not reconnect in
    step. The count starts again once a connection has lived `stable_after` seconds (or
    ended in a refresh): a server that accepts and drops at once is still backed off.
    """

    ping_interval: float = 5.0
    ping_timeout: float = 5.0
    close_timeout: float = 1.0
    open_timeout: float = 10.0
    backoff_first: float = 1.0
    backoff_cap: float = 30.0
    stable_after: float = 30.0
    refresh_drain: float = 10.0


def backoff_delay(attempt: int, timing: SocketTiming,
                  rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before reconnect `attempt` (1 is the first after a loss)."""
    if attempt <= 1:
        return 0.0
    full = min(timing.backoff_cap, timing.backoff_first * 2.0 ** (attempt - 2))
    return full / 2 + rand() * full / 2


@dataclass(frozen=True)
class SocketStatus:
    """The socket's part of /healthz."""

    connected: bool
    last_message_age_s: float | None

    def as_dict(self) -> dict[str, Any]:
        age = None if self.last_message_age_s is None else round(self.last_message_age_s, 3)
        return {"connected": self.connected, "last_message_age_s": age}


class _Session:
    """One websocket connection to Slack, read on its own thread."""

    def __init__(self, ws: ClientConnection, number: int) -> None:
        self.ws, self.number = ws, number
        self.opened_at = time.monotonic()
        self.ended = threading.Event()
        self.end_reason = ""
        self.refresh_reason: str | None = None

    def send(self, text: str) -> bool:
        try:
            self.ws.send(text)
            return True
        except ConnectionClosed:
            return False

    def close(self) -> None:
        self.ws.close()


class SocketMode:
    """Marvin's Socket Mode connection: `start`, `status`, `close`."""

    def __init__(self, app: App, app_token: str, timing: SocketTiming | None = None,
                 concurrency: int = 8) -> None:
        self._app, self._app_token = app, app_token
        self._timing = timing or SocketTiming()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="marvin-socket-work")
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._sessions: list[_Session] = []
        self._current: _Session | None = None
        self._last_message: float | None = None
        self._opened = 0
        self._supervisor: threading.Thread | None = None

    # -- the public face ---------------------------------------------------------------

    def start(self) -> SocketMode:
        """Ask Slack for a connection URL, then connect in the background.

        Raises:
            SettingsError: Slack refused SLACK_APP_TOKEN (revoked, mistyped, another app's).
        """
        try:
            url = self._connection_url()
        except SlackApiError as exc:
            raise SettingsError(
                f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error', 'refused')}): "
                "check the app-level token (xapp-, scope connections:write; README, "
                "'Slack app setup')"
            ) from None
        self._supervisor = threading.Thread(target=self._keep_connected, args=(url,),
                                            name="marvin-socket", daemon=True)
        self._supervisor.start()
        return self

    def status(self) -> SocketStatus:
        with self._changed:
            current, last = self._current, self._last_message
        connected = current is not None and not current.ended.is_set()
        return SocketStatus(connected, None if last is None else time.monotonic() - last)

    def close(self) -> None:
        """Stop taking envelopes, ack those in hand, then close every connection."""
        self._closing.set()
        with self._changed:
            self._changed.notify_all()
        self._pool.shutdown(wait=True)
        with self._changed:
            sessions = list(self._sessions)
        for session in sessions:
            session.close()
        if self._supervisor is not None:
            self._supervisor.join(timeout=self._timing.close_timeout + 5)

    # -- keeping a connection ----------------------------------------------------------

    def _keep_connected(self, url: str | None) -> None:
        try:
            self._reconnect_until_closed(url)
        finally:  # a connection opened while `close` ran is closed here
            with self._changed:
                sessions = list(self._sessions)
            for session in sessions:
                session.close()

    def _reconnect_until_closed(self, url: str | None) -> None:
        attempt, why, routine = 0, "", False
        while not self._closing.is_set():
            if why:
                attempt += 1
                delay = backoff_delay(attempt, self._timing)
                log.log(logging.INFO if routine else logging.WARNING,
                        "Socket Mode: reconnecting (attempt %d%s): %s", attempt,
                        f", in {delay:.1f} s" if delay else "", why)
                if self._closing.wait(delay):
                    return
            try:
                session = self._connect(url or self._connection_url())
            except Exception as exc:  # any failure to connect is retried, never raised
                url, why, routine = None, f"could not connect: {_describe(exc)}", False
                continue
            url = None
            refreshed = routine = self._watch(session)
            if refreshed or time.monotonic() - session.opened_at >= self._timing.stable_after:
                attempt = 0
            why = (f"Slack asked for a new connection ({session.refresh_reason})" if refreshed
                   else f"connection lost ({session.end_reason})")

    def _connection_url(self) -> str:
        response = self._app.client.apps_connections_open(app_token=self._app_token)
        return str(response["url"])

    def _connect(self, url: str) -> _Session:
        """Open a connection and wait for Slack's hello; the previous one then drains."""
        timing = self._timing
        ws = connect(url, open_timeout=timing.open_timeout, ping_interval=timing.ping_interval,
                     ping_timeout=timing.ping_timeout, close_timeout=timing.close_timeout,
                     max_size=4 * 1024 * 1024, compression=None, logger=_wire_log,
                     legacy=True)  # a connection, not a context manager: it outlives the call
        try:
            first = read_message(ws.recv(timeout=timing.open_timeout))
        except BaseException:
            ws.close()
            raise
        if first.kind != "hello":
            ws.close()
            raise ConnectionError(f"Slack said {first.kind} before hello")
        with self._changed:
            self._opened += 1
            session = _Session(ws, self._opened)
            previous, self._current = self._current, session
            self._sessions.append(session)
            self._last_message = time.monotonic()
        threading.Thread(target=self._read, args=(session,), daemon=True,
                         name=f"marvin-socket-{session.number}").start()
        if previous is not None and not previous.ended.is_set():  # refreshed: let it drain
            timer = threading.Timer(timing.refresh_drain, previous.close)
            timer.daemon = True
            timer.start()
        log.debug("Socket Mode: connection %d open", session.number)
        return session

    def _watch(self, session: _Session) -> bool:
        """Wait until the connection ends or Slack asks for a new one (True) or we close."""
        with self._changed:
            self._changed.wait_for(lambda: session.ended.is_set() or self._closing.is_set()
                                   or session.refresh_reason is not None)
        return session.refresh_reason is not None

    def _read(self, session: _Session) -> None:
        try:
            for frame in session.ws:
                self._on_frame(session, frame)
            session.end_reason = _close_reason(session.ws, "closed by Slack")
        except ConnectionClosed:
            session.end_reason = _close_reason(session.ws, "dropped")
        except Exception as exc:  # the socket itself failed (reset, broken pipe)
            session.end_reason = _describe(exc)
        finally:
            with self._changed:
                session.ended.set()
                self._sessions.remove(session)
                self._changed.notify_all()

    # -- envelopes ---------------------------------------------------------------------

    def _on_frame(self, session: _Session, frame: str | bytes) -> None:
        with self._changed:
            self._last_message = time.monotonic()
        message = read_message(frame)
        if message.kind == "disconnect":
            with self._changed:
                session.refresh_reason = message.detail
                self._changed.notify_all()
        elif message.kind == "ignored":
            log.warning("Socket Mode: ignored a message from Slack: %s", message.detail)
        elif message.kind == "envelope" and message.envelope is not None:
            envelope = message.envelope
            if message.detail:  # too large to read: ack so Slack does not resend it
                log.warning("Socket Mode: acked envelope %s unread: %s",
                            envelope["envelope_id"], message.detail)
                self._ack(session, {"envelope_id": envelope["envelope_id"]})
            elif not self._closing.is_set():  # shutting down: Slack resends it elsewhere
                try:
                    self._pool.submit(self._answer, session, envelope)
                except RuntimeError:  # the pool closed just now
                    pass

    def _answer(self, session: _Session, envelope: dict[str, Any]) -> None:
        self._ack(session, answer(self._app, envelope))

    def _ack(self, session: _Session, ack: dict[str, Any]) -> None:
        """Ack on the connection the envelope came on, else on the newest one."""
        text = json.dumps(ack)
        with self._changed:
            current = self._current
        if session.send(text) or (current is not None and current.send(text)):
            return
        log.warning("Socket Mode: could not ack envelope %s: no open connection",
                    ack["envelope_id"])


def start_socket_mode(app: App, app_token: str, timing: SocketTiming | None = None
                      ) -> SocketMode:
    """Connect in the background; the caller closes it on shutdown.

    Raises:
        SettingsError: Slack refused SLACK_APP_TOKEN (revoked, mistyped, another app's).
    """
    return SocketMode(app, app_token, timing).start()


def _close_reason(ws: ClientConnection, fallback: str) -> str:
    exc = ws.protocol.close_exc  # what ended it: a close frame, a ping timeout, a reset
    close = exc.rcvd or exc.sent
    if close is None:
        return f"{fallback}, no close frame"
    return f"{fallback}, code {close.code}{': ' + close.reason if close.reason else ''}"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SlackApiError):
        return f"apps.connections.open answered {exc.response.get('error', 'an error')}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
