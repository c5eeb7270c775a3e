"""A local stand-in for the Slack Web API: Slack's answers, recorded calls, injected faults.

Slack is unreachable from tests and benchmarks, and mocking slack_sdk would skip the very
code that matters (its HTTP, JSON and retry handling). So this is a real HTTP server on
127.0.0.1 that answers the methods Marvin uses as Slack does, records every call, and on
demand adds latency, rate limits (429 + Retry-After), server errors and ``ok: false``
errors. Messages over Slack's size limits are refused as Slack refuses them
(`marvin.testing.slack_limits_check`). Point slack-sdk at it with
``WebClient(base_url=standin.url)`` or ``SLACK_API_URL``.

Example:
    >>> from slack_sdk import WebClient
    >>> with SlackStandIn() as slack:
    ...     client = WebClient(token="xoxb-test", base_url=slack.url)
    ...     slack.fail_next("chat.postMessage", status=200, error="channel_not_found")
    ...     ok = client.chat_postMessage(channel="C1", text="hi")  # doctest: +SKIP

Each request runs on its own thread (`marvin.testing.slack_http`, which parses requests
as Slack does), so injected latency delays calls without serialising them, as a slow
Slack would.

The workspace it answers about (channels, membership, users, granted scopes, history)
is `world`, a `SlackWorld`: tests shape it (add a private channel, revoke a scope, delete
a user) through its methods.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any

from marvin.slack.rate_limits import Paced, RateLimits
from marvin.testing.slack_http import API_PREFIX, ApiServer
from marvin.testing.slack_limits_check import CHECKED_METHODS, check_message
from marvin.testing.slack_methods import APP_TOKEN_METHODS, answer, is_known, targets
from marvin.testing.slack_oauth import SlackOAuth
from marvin.testing.slack_world import ANSWERED_HERE, SlackWorld

__all__ = ["RecordedCall", "SlackStandIn"]

_DEFAULT_HTTP_ERRORS = {429: "ratelimited", 503: "service_unavailable"}


@dataclass(frozen=True)
class RecordedCall:
    """One request the stand-in received, faulted or not.

    Attributes:
        method: Web API method, e.g. ``chat.postMessage``.
        params: Query, form and JSON parameters merged (``blocks`` parsed), minus ``token``.
        token: The bearer token sent (``Authorization`` header, else a ``token`` param).
        at: ``time.monotonic()`` on arrival, for measuring gaps such as retry waits.
        outcome: ``ok``, ``error:<code>`` (HTTP 200 with ``ok: false``) or ``http:<status>``.
        acted: the call took effect (a post is in the channel), even if its answer was a
            fault injected with ``after_acting``.
    """

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    outcome: str = "ok"
    acted: bool = True


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int | None
    error: str
    after_acting: bool = False


@dataclass(frozen=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    outcome: str
    acted: bool = False


class SlackStandIn:
    """The Slack Web API on 127.0.0.1, for tests and benchmarks. Thread-safe."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, latency: float = 0.0,
        tiers: bool = False,
    ) -> None:
        """Prepare the server; `start` (or ``with``) binds it. Port 0 picks a free port.

        Args:
            latency: seconds every answer is delayed (`set_latency` per method).
            tiers: enforce Slack's rate tiers (`marvin.slack.rate_limits`) per token and
                method, and per channel for posts: a call over its limit is answered 429
                with ``Retry-After``, as Slack does, and counted in `rate_limited`. Off by
                default so tests that call one method often stay fast.
        """
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._calls: list[RecordedCall] = []
        self._latency: dict[str, float] = {"*": latency} if latency else {}
        self._tiers = RateLimits(margin=0) if tiers else None
        self.rate_limited = 0  # calls answered 429 by the tiers (not injected faults)
        self._faults: dict[str, deque[_Fault]] = {}
        self._target_errors: dict[str, tuple[str, frozenset[str]]] = {}  # error, methods
        self._canned: dict[str, deque[dict[str, Any]]] = {}
        self._refused_tokens: set[str] = set()
        self.world = SlackWorld()
        self.oauth = SlackOAuth()
        self._worlds: dict[str, SlackWorld] = {}  # installed workspaces' own, by team id
        self.socket_url: str | None = None  # apps.connections.open's answer; see `start`
        self._last_ts_us = 0
        self._server: ApiServer | None = None
        self._url: str | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> SlackStandIn:
        """Bind and serve on a background thread; returns self for chaining."""
        if self._server is not None:
            raise RuntimeError("SlackStandIn already started")
        self._server = ApiServer(self._host, self._port, self._answer)
        self._port = self._server.port
        self._url = f"http://{self._host}:{self._port}{API_PREFIX}"
        if self.socket_url is None:  # a ws:// URL of the right shape, where nothing listens
            self.socket_url = f"ws://{self._host}:{self._port}/link/?ticket=stand-in"
        self._server.start(f"slack-standin-{self._port}")
        return self

    def stop(self) -> None:
        """Stop serving and free the port; idempotent. `url` stays valid (and now refuses)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL ending in ``/``, as slack-sdk's ``base_url`` expects."""
        if self._url is None:
            raise RuntimeError("SlackStandIn not started")
        return self._url

    # -- inspection --------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot of every call received so far, in arrival order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """The calls to one Web API method, faulted ones included."""
        return [call for call in self.calls if call.method == method]

    def posted_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Params of the ``chat.postMessage`` calls that posted (whatever they were answered),
        optionally for one channel, named by id or ``#name`` whichever way it was posted.
        A DM posted to a user id shows the DM it went to (``channel``: ``D`` + user id)."""
        with self._lock:
            wanted = None if channel is None else self.world.canonical(channel)
            posted = []
            for call in self._calls:
                if call.method != "chat.postMessage" or not call.acted:
                    continue
                to = str(call.params.get("channel"))
                if wanted is None or self.world.canonical(to) == wanted:
                    dm = self.world.canonical(to)
                    posted.append({**call.params, "channel": dm} if dm.startswith("D")
                                  else call.params)
            return posted

    def reset_calls(self) -> None:
        """Forget the recorded calls only (the world, faults and latency stay)."""
        with self._lock:
            self._calls.clear()

    def reset_faults(self) -> None:
        """Drop queued faults, per-channel refusals (`fail_for_channel`) and canned
        answers (calls, latency and the world stay)."""
        with self._lock:
            self._faults.clear()
            self._target_errors.clear()
            self._canned.clear()

    def issue_trigger(self, team_id: str | None = None) -> str:
        """A fresh trigger id, as Slack sends with a slash command or a button click; in
        workspace `team_id`'s world (installed with `oauth`), else the default one."""
        with self._lock:
            world = self.world if team_id is None else \
                self._worlds.setdefault(team_id, SlackWorld())
            return world.views.issue()

    def expire_trigger(self, trigger: str) -> None:
        """Age `trigger` past Slack's 3 s (nothing sleeps)."""
        with self._lock:
            self.world.views.expire(trigger)

    def next_ts(self) -> str:
        """A fresh message ts, as the next post would get (for `SlackWorld.add_chatter`)."""
        with self._lock:
            return self._next_ts()

    def reset(self) -> None:
        """Forget calls, latency, faults and the world (between tests sharing one stand-in)."""
        with self._lock:
            self._calls.clear()
            self._latency.clear()
            self._faults.clear()
            self._canned.clear()
            self._target_errors.clear()
            self._refused_tokens.clear()
            self.world = SlackWorld()
            self.oauth = SlackOAuth()
            self._worlds.clear()
            if self._tiers is not None:
                self._tiers, self.rate_limited = RateLimits(margin=0), 0

    def world_of(self, team_id: str) -> SlackWorld:
        """The workspace `team_id` (installed with `oauth`): its own channels and people,
        so the same user id in two workspaces is two people. Made on first use."""
        with self._lock:
            return self._worlds.setdefault(team_id, SlackWorld())

    def _world_for(self, token: str | None) -> SlackWorld:
        """The world a call with `token` sees: its workspace's for a token minted by
        `oauth`, else the default one (single-token tests). Under the lock."""
        app = self.oauth.installed(token)
        if app is None:
            return self.world
        return self._worlds.setdefault(app.team_id, SlackWorld())

    # -- fault injection ---------------------------------------------------------------

    def refuse_token(self, token: str) -> None:
        """Answer every call made with `token` ``invalid_auth``, as Slack answers a revoked
        or mistyped token."""
        with self._lock:
            self._refused_tokens.add(token)

    def set_latency(self, seconds: float, method: str = "*") -> None:
        """Delay answers to `method` (``*``: any method without its own setting); 0 clears."""
        with self._lock:
            self._latency[method] = seconds

    def fail_next(
        self,
        method: str,
        times: int = 1,
        *,
        status: int = 500,
        retry_after: int | None = None,
        error: str | None = None,
        after_acting: bool = False,
    ) -> None:
        """Fail the next `times` calls to `method` (``*``: any method).

        Args:
            status: 429 (rate limited), 5xx, or 200 for Slack's ``{"ok": false}`` errors.
            retry_after: ``Retry-After`` header value in seconds (meant for 429).
            error: Slack's error code; required with status 200 (e.g. ``channel_not_found``).
            after_acting: do the call's work first (a post is accepted), then fail: what a
                server error after the write looks like from the client.
        """
        if status == 200 and error is None:
            raise ValueError("status 200 faults need an error code, e.g. 'channel_not_found'")
        code = error or _DEFAULT_HTTP_ERRORS.get(status, "internal_error")
        with self._lock:
            queue = self._faults.setdefault(method, deque())
            queue.extend(_Fault(status, retry_after, code, after_acting) for _ in range(times))

    def fail_for_channel(
        self, channel_or_user: str, error: str, *, methods: tuple[str, ...] = ()
    ) -> None:
        """Answer ``ok: false`` with `error` to every call about this channel or user (only
        to calls of `methods`, when given).

        A channel may be named by id or ``#name`` (either matches calls using the other);
        a user id also covers its DM channel as this stand-in names it (``D`` + user id).
        """
        with self._lock:
            self._target_errors[self.world.canonical(channel_or_user)] = (
                error, frozenset(methods))

    def reply_next(self, method: str, body: dict[str, Any], times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `body` as is (HTTP 200), acting on
        nothing: for answers real Slack has been seen to give that the rules here never
        produce, e.g. ``{"ok": true}`` with no ``messages``."""
        with self._lock:
            self._canned.setdefault(method, deque()).extend(dict(body) for _ in range(times))

    # -- request handling (called on the server's threads) -----------------------------

    def _answer(
        self, method: str, params: dict[str, Any] | None, token: str | None
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """What the HTTP server sends back for one call: status, JSON body, headers."""
        reply = self._handle(method, params, token)
        return reply.status, reply.body, reply.headers

    def _handle(self, method: str, params: dict[str, Any] | None, token: str | None) -> _Reply:
        """Answer and record one call; `params` is None when the body could not be parsed."""
        with self._lock:
            if params is None:
                params, reply = {}, _error("invalid_form_data")
            else:
                reply = self._decide(method, params, token)
            self._calls.append(
                RecordedCall(method, params, token, time.monotonic(), reply.outcome, reply.acted)
            )
            delay = self._latency.get(method, self._latency.get("*", 0.0))
            if token:  # Slack says which scopes the token has on every authenticated answer
                scopes = ",".join(sorted(self._world_for(token).granted))
                reply = replace(reply, headers={**reply.headers, "x-oauth-scopes": scopes})
        if delay > 0:
            time.sleep(delay)
        return reply

    def _decide(self, method: str, params: dict[str, Any], token: str | None) -> _Reply:
        """The answer to one call: an injected fault first, then Slack's own rules."""
        for key in (method, "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue.popleft()
                acted = fault.after_acting and self._act(method, params, token).acted
                if fault.status == 200:
                    return replace(_error(fault.error), acted=acted)
                headers = (
                    {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
                )
                body = {"ok": False, "error": fault.error}
                return _Reply(fault.status, body, headers, f"http:{fault.status}", acted)
        if self._tiers is not None and (limited := self._over_tier(method, params, token)):
            return limited
        canned = self._canned.get(method)
        if canned:
            body = canned.popleft()
            ok = bool(body.get("ok"))
            return _Reply(200, body, {}, "ok" if ok else f"error:{body.get('error')}")
        return self._act(method, params, token)

    def _over_tier(self, method: str, params: dict[str, Any], token: str | None) -> _Reply | None:
        """429 + ``Retry-After`` (whole seconds, rounded up, as Slack sends) when this call
        is over its tier; else None, the call counted against it."""
        assert self._tiers is not None
        try:
            self._tiers.acquire(token or "", method, str(params.get("channel") or ""), 0.0)
        except Paced as paced:
            self.rate_limited += 1
            headers = {"Retry-After": str(max(1, math.ceil(paced.wait)))}
            return _Reply(429, {"ok": False, "error": "ratelimited"}, headers, "http:429")
        return None

    def _act(self, method: str, params: dict[str, Any], token: str | None) -> _Reply:
        """Slack's own answer to a call, and its effect (a post is kept for history)."""
        if method == "oauth.v2.access":  # the one method authenticated by the app's secret
            result = self.oauth.access(params)
            ok = bool(result.get("ok"))
            return _Reply(200, result, {}, "ok" if ok else f"error:{result['error']}", ok)
        if not is_known(method) and method not in ANSWERED_HERE:
            return _error("unknown_method")
        if not token:
            return _error("not_authed")
        if token in self._refused_tokens:
            return _error("invalid_auth")
        if revoked := self.oauth.refusal(token):
            return _error(revoked)
        if method == "auth.test" and (who := self.oauth.auth_test(token)) is not None:
            return _Reply(200, who, {}, "ok", True)
        world = self._world_for(token)
        if token.startswith("xapp-") != (method in APP_TOKEN_METHODS):
            return _error("not_allowed_token_type")
        for target in targets(params):
            for key in (world.canonical(target), target.removeprefix("D")):
                error, methods = self._target_errors.get(key, ("", frozenset()))
                if error and (not methods or method in methods):
                    return _error(error)
        refusal = world.refusal(method, params)
        if refusal is not None:
            return _Reply(200, refusal, {}, f"error:{refusal['error']}")
        if method in CHECKED_METHODS and (too_big := check_message(params)) is not None:
            return _Reply(200, too_big, {}, f"error:{too_big['error']}")
        if method in ANSWERED_HERE:
            result = world.answer(method, params)
            ok = bool(result.get("ok"))
            return _Reply(200, result, {}, "ok" if ok else f"error:{result['error']}", ok)
        channel_id: str | None = None
        if method == "chat.postMessage":
            channel_id, refused = world.post_target(str(params.get("channel", "")))
            if refused is not None:
                return _error(refused)
            if "thread_ts" in params:
                root, refused = world.thread_root(str(channel_id), params["thread_ts"])
                if refused is not None:
                    return _error(refused)
                params = {**params, "thread_ts": root}
        if method == "conversations.open" and (gone := world.dm_refusal(params)):
            return _error(gone)
        result = answer(method, params, self._next_ts)
        if method == "apps.connections.open":
            result["url"] = self.socket_url
        if method == "chat.postMessage" and result.get("ok"):
            result["channel"] = channel_id  # Slack answers with the id, however it was named
            message = dict(result["message"])
            if params.get("metadata"):
                metadata = params["metadata"]
                if isinstance(metadata, str):  # form-encoded calls send it as JSON text
                    metadata = json.loads(metadata)
                message["metadata"] = metadata
            world.record(str(channel_id), message)
        ok = bool(result.get("ok"))
        return _Reply(200, result, {}, "ok" if ok else f"error:{result['error']}", ok)

    def _next_ts(self) -> str:
        """A unique, increasing message ts in Slack's ``seconds.micros`` shape (under lock)."""
        self._last_ts_us = max(int(time.time() * 1_000_000), self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"


def _error(code: str) -> _Reply:
    return _Reply(200, {"ok": False, "error": code}, {}, f"error:{code}")
