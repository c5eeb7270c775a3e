"""Serve an ASGI app over real HTTP on 127.0.0.1, in a background thread.

Tests and benchmarks of ``POST /slack/events`` go through a real uvicorn server rather than
an in-process transport, so HTTP parsing, body streaming, the worker threadpool and
connection handling are the ones production runs.

Example:
    >>> with serve_in_thread(build_web_app(handler, health)) as (base_url, stop):  # doctest: +SKIP
    ...     httpx.get(base_url + "/healthz")

The socket is bound here (port 0: the OS picks a free one) and handed to uvicorn, so there
is no window in which another process could take the port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["serve_in_thread"]

HOST = "127.0.0.1"


@contextmanager
def serve_in_thread(
    app: Any, *, start_timeout: float = 10.0, log_level: str = "warning"
) -> Iterator[tuple[str, Callable[[], None]]]:
    """Run `app` in uvicorn on a free port; yields ``(base_url, stop)``.

    ``base_url`` has no trailing slash (``http://127.0.0.1:PORT``). ``stop`` shuts the server
    down and waits for its thread; it is idempotent and also runs when the block exits.

    Raises:
        RuntimeError: the server did not start within `start_timeout` seconds.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(app, host=HOST, port=port, log_level=log_level, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )

    def stop() -> None:
        server.should_exit = True
        if thread.is_alive():
            thread.join(timeout=10)
        sock.close()

    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {HOST}:{port}")
            time.sleep(0.005)  # waiting for start-up, not timing anything
        yield f"http://{HOST}:{port}", stop
    finally:
        stop()
