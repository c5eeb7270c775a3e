"""Marvin's HTTP server: Slack's requests at POST /slack/events, the OAuth install's
GET /slack/install and /slack/oauth_redirect, and GET /healthz.

Example::

    uvicorn.run(build_web_app(slack_handler=..., health=...), host=..., port=...)

Starlette on uvicorn. Bolt's `App.dispatch` is synchronous (it verifies the signature,
runs the listener, writes to the store), so it runs in a worker thread: one slow store
write never stalls the event loop or the other requests.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

# A /standup of 20,000 characters (the app's own limit) in 4-byte UTF-8, form-encoded
# (%XX: 3 bytes per byte), plus Slack's other fields: ~240 KB. Refuse anything larger early.
MAX_BODY_BYTES = 256 * 1024

HEALTH_DEADLINE = 2.0
"""Seconds /healthz may take: past that it answers 503 whatever the check is still doing
(Docker's probe, see the Dockerfile, gives up at 4 s and would read nothing at all)."""

SlackHandler = Callable[[bytes, dict[str, str], str], tuple[int, dict[str, str], str]]
OAuthHandler = Callable[[str, str, dict[str, str]], tuple[int, dict[str, str], str]]
"""(path, query, headers) -> (status, headers, body): the OAuth install's GET pages."""


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The body, or None when it is larger than `limit` (without reading it all)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def build_web_app(
    slack_handler: SlackHandler | None,
    health: Callable[[], dict[str, Any]],
    extra_routes: list[Route] | None = None,
    *,
    slack_threads: int = 2,
    health_deadline: float = HEALTH_DEADLINE,
    oauth_handler: OAuthHandler | None = None,
) -> Starlette:
    """The ASGI app. `slack_handler` is None in Socket Mode (Slack then never calls us).

    Slack requests run on a small dedicated pool rather than anyio's default 40 threads:
    with the local SQLite store a request is ~1 ms of CPU, and a burst of 50 then queues
    briefly instead of 40 threads thrashing the GIL (p99 halves, see docs/benchmarks.md).
    A store that waits on the network (Firestore) wants more threads: `slack_threads`.
    `oauth_handler` (OAuth mode only) answers GET /slack/install and /slack/oauth_redirect.
    """
    pool = ThreadPoolExecutor(slack_threads, thread_name_prefix="marvin-slack")

    async def slack_events(request: Request) -> Response:
        if slack_handler is None:
            return PlainTextResponse("Socket Mode is on: Slack does not call this URL", 404)
        body = await read_body(request)
        if body is None:
            return PlainTextResponse("request body too large", 413)
        headers = {k.lower(): v for k, v in request.headers.items()}
        call = functools.partial(slack_handler, body, headers, request.url.query)
        status, out_headers, text = await asyncio.get_running_loop().run_in_executor(pool, call)
        return Response(text, status_code=status, headers=out_headers)

    async def healthz(request: Request) -> Response:
        try:
            report = await asyncio.wait_for(run_in_threadpool(health), health_deadline)
        except TimeoutError:  # the check goes on in its thread; the answer cannot wait
            report = {"ok": False, "error": f"health check took over {health_deadline:g} s"}
        return JSONResponse(report, status_code=200 if report.get("ok") else 503)

    async def slack_oauth(request: Request) -> Response:
        if oauth_handler is None:
            return PlainTextResponse("OAuth installs are off: set SLACK_CLIENT_ID and "
                                     "SLACK_CLIENT_SECRET", 404)
        headers = {k.lower(): v for k, v in request.headers.items()}
        call = functools.partial(oauth_handler, request.url.path, request.url.query, headers)
        status, out_headers, text = await asyncio.get_running_loop().run_in_executor(pool, call)
        return Response(text, status_code=status, headers=out_headers)

    routes = [
        Route("/slack/events", slack_events, methods=["POST"]),
        Route("/slack/install", slack_oauth, methods=["GET"]),
        Route("/slack/oauth_redirect", slack_oauth, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *(extra_routes or []),
    ]
    return Starlette(routes=routes)
