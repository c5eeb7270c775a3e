"""A fake Slack Socket Mode server on 127.0.0.1: hello, envelopes, acks, refreshes, drops.

Slack is unreachable from tests, so this speaks Slack's Socket Mode protocol over a real
websocket (the `websockets` library's server): on connect it says ``hello``; a test pushes
envelopes (`marvin.testing.socket_envelopes`) and reads back the acks with their arrival
times; it can ask for a refresh (``disconnect``/``refresh_requested``), close the socket
(with a close frame, or abruptly), or go silent: a dead TCP path, where nothing more is
read or written and no close frame ever comes (so pings go unanswered).

The Web API stand-in gives the client its URL: ``standin.socket_url = server.url``, and
``apps.connections.open`` (with an ``xapp-`` token) answers it.

Example:
    >>> with FakeSocketServer() as server:  # doctest: +SKIP
    ...     standin.socket_url = server.url
    ...     server.wait_connected()
    ...     ack = server.wait_ack(server.send_envelope(slash_envelope("did things")))

A small TCP relay stands in front of the websocket server: going silent is the relay
ceasing to copy bytes, which is what a dropped NAT entry or a pulled cable looks like
from both ends.
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

__all__ = ["Ack", "FakeSocketServer"]

HOST = "127.0.0.1"
APP_ID = "A0123456789"


@dataclass(frozen=True)
class Ack:
    """One message the client sent back, normally the ack of an envelope.

    Attributes:
        envelope_id: the envelope it acknowledges (None when the message had none).
        payload: the answer riding on the ack (a slash command's ephemeral reply), if any.
        at: ``time.monotonic()`` on arrival.
        connection: the number of the connection it came on (1 is the first).
    """

    envelope_id: str | None
    payload: dict[str, Any] | None
    at: float
    connection: int


class FakeSocketServer:
    """Slack's Socket Mode endpoint, for tests and benchmarks. Thread-safe."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sockets: dict[int, ServerConnection] = {}  # open connections by number
        self._relays: list[_Relay] = []
        self._acks: list[Ack] = []
        self._sent_at: dict[str, float] = {}
        self._connections = 0
        self.refuse_connections = False  # True: new TCP connections are dropped at once
        self._server: Server | None = None
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> FakeSocketServer:
        """Bind and serve on background threads; returns self."""
        # Slack pings too, but the client's own pings are what is under test here.
        self._server = serve(self._handle, HOST, 0, ping_interval=None, compression=None,
                             max_size=None)
        self._listener = socket.create_server((HOST, 0))
        for target, name in ((self._server.serve_forever, "ws"), (self._accept, "relay")):
            thread = threading.Thread(target=target, name=f"fake-socket-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Close every connection and stop serving; idempotent."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes the accept() blocked on it
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for relay in list(self._relays):
            relay.cut()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSocketServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The ``wss://``-like URL apps.connections.open hands out (``ws://`` here)."""
        if self._listener is None:
            raise RuntimeError("FakeSocketServer not started")
        port = self._listener.getsockname()[1]
        return f"ws://{HOST}:{port}/link/?ticket=fake-ticket&app_id={APP_ID}"

    # -- what Slack does ---------------------------------------------------------------

    def send_envelope(self, envelope: dict[str, Any], hold: float = 0.0) -> str:
        """Push `envelope` on the newest open connection; returns its envelope id.

        With no connection open, Slack holds an envelope until one is: `hold` is how long
        to wait for one (its ack time still counts from now)."""
        envelope_id = str(envelope.get("envelope_id"))
        with self._changed:
            self._sent_at[envelope_id] = time.monotonic()
        self.send_raw(json.dumps(envelope), hold)
        return envelope_id

    def send_raw(self, message: str | bytes, hold: float = 0.0) -> None:
        """Push anything, well formed or not, on the newest open connection (one that
        turns out closed is skipped, as Slack would use another).

        Raises:
            RuntimeError: no connection open within `hold` seconds.
        """
        deadline = time.monotonic() + hold
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._sockets),
                                       max(0.0, deadline - time.monotonic()))
            number, connection = self._newest_item()
            try:
                connection.send(message)
                return
            except ConnectionClosed:
                with self._changed:
                    self._sockets.pop(number, None)

    def request_refresh(self, close_after: float | None = None) -> None:
        """Tell the client this connection will end soon, as Slack does routinely; Slack
        then closes it some seconds later (`close_after`; None: the client closes it)."""
        connection = self._newest()
        connection.send(json.dumps({"type": "disconnect", "reason": "refresh_requested",
                                    "debug_info": {"host": "fake-applink"}}))
        if close_after is not None:
            timer = threading.Timer(close_after, connection.close)
            timer.daemon = True
            timer.start()

    def close_connection(self, *, abrupt: bool = False) -> None:
        """End the newest connection: with a close frame, or (`abrupt`) by cutting TCP."""
        number, connection = self._newest_item()
        if not abrupt:
            connection.close()
            return
        with self._changed:
            relays = [relay for relay in self._relays if relay.number == number]
        for relay in relays:
            relay.cut()

    def go_silent(self) -> None:
        """Every open connection stops passing bytes, both ways, with no close frame."""
        with self._changed:
            relays = list(self._relays)
        for relay in relays:
            relay.frozen.set()

    # -- inspection --------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """How many connections have been greeted with ``hello`` so far."""
        with self._changed:
            return self._connections

    @property
    def open_connections(self) -> int:
        """How many connections are open now."""
        with self._changed:
            return len(self._sockets)

    @property
    def acks(self) -> list[Ack]:
        """Every message received from clients, in arrival order."""
        with self._changed:
            return list(self._acks)

    def sent_at(self, envelope_id: str) -> float:
        """``time.monotonic()`` when the envelope was pushed."""
        with self._changed:
            return self._sent_at[envelope_id]

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until `count` connections in all have been greeted."""
        self._wait(lambda: self._connections >= count, timeout,
                   f"fewer than {count} Socket Mode connections")

    def wait_open(self, timeout: float = 10.0) -> None:
        """Wait until some connection is open."""
        self._wait(lambda: bool(self._sockets), timeout, "no open Socket Mode connection")

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        """The ack of one envelope, waiting for it."""
        def found() -> Ack | None:
            return next((ack for ack in self._acks if ack.envelope_id == envelope_id), None)

        self._wait(lambda: found() is not None, timeout, f"no ack for {envelope_id}")
        with self._changed:
            ack = found()
        assert ack is not None
        return ack

    # -- plumbing ----------------------------------------------------------------------

    def _wait(self, ready: Any, timeout: float, what: str) -> None:
        with self._changed:
            if not self._changed.wait_for(ready, timeout):
                raise TimeoutError(what)

    def _newest_item(self) -> tuple[int, ServerConnection]:
        with self._changed:
            if not self._sockets:
                raise RuntimeError("no open Socket Mode connection")
            number = max(self._sockets)
            return number, self._sockets[number]

    def _newest(self) -> ServerConnection:
        return self._newest_item()[1]

    def _handle(self, connection: ServerConnection) -> None:
        """One client connection: hello, then record what it sends until it ends."""
        port = connection.remote_address[1]
        with self._changed:
            self._connections += 1
            number = self._connections
            self._sockets[number] = connection
            for relay in self._relays:
                if relay.backend_port == port:
                    relay.number = number
            self._changed.notify_all()
        try:
            connection.send(json.dumps({
                "type": "hello", "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-applink", "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": APP_ID},
            }))
            for message in connection:
                self._record(message, number)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self._sockets.pop(number, None)
                self._changed.notify_all()

    def _record(self, message: str | bytes, number: int) -> None:
        try:
            body = json.loads(message)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            body = {}
        payload = body.get("payload")
        ack = Ack(body.get("envelope_id"), payload if isinstance(payload, dict) else None,
                  time.monotonic(), number)
        with self._changed:
            self._acks.append(ack)
            self._changed.notify_all()

    def _accept(self) -> None:
        """Relay each client's TCP connection to the websocket server."""
        assert self._server is not None
        backend_address = self._server.socket.getsockname()
        while self._listener is not None:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed by stop()
            if self.refuse_connections:
                client.close()
                continue
            backend = socket.create_connection(backend_address)
            relay = _Relay(client, backend)
            with self._changed:
                self._relays.append(relay)
            relay.start()


class _Relay:
    """Copies bytes between a client and the websocket server until cut or frozen."""

    def __init__(self, client: socket.socket, backend: socket.socket) -> None:
        self.client, self.backend = client, backend
        self.backend_port: int = backend.getsockname()[1]
        self.number = 0
        self.frozen = threading.Event()
        self._cut = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._pump, name="fake-socket-pump", daemon=True).start()

    def cut(self) -> None:
        """Close both sides at once, without a websocket close frame."""
        self._cut.set()

    def _pump(self) -> None:
        pairs = {self.client: self.backend, self.backend: self.client}
        try:
            while not self._cut.is_set():
                if self.frozen.is_set():  # a dead path: keep the sockets, move nothing
                    self._cut.wait(0.1)
                    continue
                readable, _, _ = select.select(list(pairs), [], [], 0.05)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    pairs[source].sendall(data)
        except OSError:
            return
        finally:
            for sock in pairs:
                sock.close()
