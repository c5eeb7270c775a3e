"""The Slack stand-in's HTTP side: Web API requests parsed as Slack takes them, served on a thread.

Slack's Web API takes a method's arguments from the query string, a form body or a JSON
body, with ``blocks``, ``attachments``, ``metadata`` and ``view`` sent as JSON text by form
clients, and a token as a bearer header (or a ``token`` argument); ``oauth.v2.access``
takes the app's id and secret as basic credentials. `ApiServer` parses each request so and
hands it to an `Answer` (the stand-in's rules, `marvin.testing.slack_api`), one thread per
request, so injected latency delays calls without serialising them.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["API_PREFIX", "Answer", "ApiServer"]

API_PREFIX = "/api/"
_JSON_FIELDS = ("blocks", "attachments", "metadata", "view")  # form clients send these as JSON text

Answer = Callable[[str, dict[str, Any] | None, str | None],
                  tuple[int, dict[str, Any], dict[str, str]]]
"""(method, parameters or None when unparseable, token) -> (status, JSON body, headers)."""


class ApiServer:
    """`answer` served over HTTP on `host`:`port` (0: a free port) from `start` to `stop`."""

    def __init__(self, host: str, port: int, answer: Answer) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.answer = answer
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self, name: str) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # a quick stop() between tests
            name=name,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a request stuck in injected latency must not block stop()
    request_queue_size = 128  # the default 5 drops bursts of concurrent connects
    answer: Answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # http.server's naming
        url = urlsplit(self.path)
        if not url.path.startswith(API_PREFIX):
            self._send(404, {"ok": False, "error": "not_found"}, {})
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        params = _parse_params(url.query, raw, self.headers.get("Content-Type", ""))
        body_token = params.pop("token", None) if params is not None else None
        if params is not None and (basic := _basic(self.headers.get("Authorization"))):
            params.setdefault("client_id", basic[0])  # oauth.v2.access takes either
            params.setdefault("client_secret", basic[1])
        token = _bearer(self.headers.get("Authorization")) or (
            str(body_token) if body_token else None
        )
        self._send(*self.server.answer(url.path[len(API_PREFIX) :], params, token))

    do_GET = do_POST

    def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout); Slack would not care either

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the recorded calls are the log."""


def _basic(header: str | None) -> tuple[str, str] | None:
    """HTTP basic credentials (how slack-sdk sends the client id and secret)."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:].strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password


def _bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[len("bearer ") :].strip() or None
    return None


def _parse_params(query: str, raw: bytes, content_type: str) -> dict[str, Any] | None:
    """Query string, form or JSON body merged; JSON-text fields decoded. None if unparseable."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    try:
        if media_type == "application/json":
            body = json.loads(raw or b"{}")
            if not isinstance(body, dict):
                return None
            params.update(body)
        elif raw:
            params.update(parse_qsl(raw.decode(), keep_blank_values=True, strict_parsing=True))
    except (ValueError, UnicodeDecodeError):
        return None
    for key in _JSON_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # leave it as sent; Slack would answer invalid_blocks
    return params
