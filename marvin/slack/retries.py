"""Which failed Slack calls slack-sdk retries, and how: connection errors and 500/503
with exponential backoff and jitter, 429 after its ``Retry-After`` (telling the rate
limits, so the other calls slow down too); never a refused connection (nothing listens)
and never a keyed post whose fate is unknown (Slack may have posted it).

`build_retry_handlers` is what `marvin.slack.client.build_web_client` gives every client.
"""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.error import URLError

from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    Jitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)

# Not re-exported by slack_sdk.http_retry (3.47), unlike the other two.
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from marvin.slack.rate_limits import RateLimits

__all__ = ["DELIVERY_EVENT", "MAX_RETRY_AFTER", "build_retry_handlers", "retry_after"]

MAX_RETRY_AFTER = 60
"""Longest ``Retry-After`` (seconds) the client waits out; Slack's are usually 1-30 s."""
DELIVERY_EVENT = "marvin_delivery"  # metadata event type of messages Marvin must not repeat


class _ProportionalJitter(Jitter):
    """Adds up to half the interval, so clients spread out without a fixed extra second.

    slack-sdk's default `RandomJitter` adds ``random()`` seconds to every wait whatever
    the backoff factor, which makes short backoffs (tests, fast failover) impossible.
    """

    def recalculate(self, duration: float) -> float:
        return duration * (1.0 + random.random() / 2)


def is_keyed_post(request: HttpRequest) -> bool:
    """A ``chat.postMessage`` carrying a delivery key: one Marvin must never post twice."""
    body = request.data or b""
    return request.url.endswith("chat.postMessage") and DELIVERY_EVENT.encode() in body


def is_refused(error: BaseException | None) -> bool:
    """The connection was refused: the request never left, so repeating it is safe."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


class _ConnectionErrorRetry(ConnectionErrorRetryHandler):
    """Connection errors, except a refused one (nothing listens: retrying cannot help)
    and a keyed post's dropped connection (Slack may have it)."""

    def _can_retry(
        self, *, request: HttpRequest, error: Exception | None = None, **rest: Any
    ) -> bool:
        if is_refused(error) or is_keyed_post(request):
            return False
        return super()._can_retry(request=request, error=error, **rest)


class _ServerErrorRetry(ServerErrorRetryHandler):
    """500/503, except on a keyed post: Slack may have posted it before failing."""

    def _can_retry(self, *, request: HttpRequest, **rest: Any) -> bool:
        return not is_keyed_post(request) and super()._can_retry(request=request, **rest)


class _RateLimitRetry(RateLimitErrorRetryHandler):
    """429: waits ``Retry-After`` (1 s when it is missing or not a number of seconds), but
    gives up at once when Slack asks for more than `max_wait` seconds."""

    def __init__(
        self, max_retry_count: int, max_wait: float, limits: RateLimits | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.limits = limits  # told of every 429, so the other calls slow down too

    def can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        # Every 429 slows the limiter, retried or not (max_retries may be 0); one asking
        # for more than `max_wait` only fails its call, as it would hold every later call
        # of the method (a re-run included) that long on one answer.
        if response is not None and response.status_code == 429 and self.limits is not None:
            wait = retry_after(response)
            if wait <= self.max_wait:
                method = request.url.rsplit("/", 1)[-1]
                self.limits.slow_down(_bearer(request), method, wait)
        return super().can_retry(state=state, request=request, response=response, error=error)

    def _can_retry(self, *, response: HttpResponse | None = None, **rest: Any) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and retry_after(response) <= self.max_wait
        )

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response) if response is not None else 1.0
        time.sleep(wait + random.random())
        state.increment_current_attempt()


def _bearer(request: HttpRequest) -> str:
    """The token a request carries (its limiter's key), "" when none."""
    for name, value in request.headers.items():
        if name.lower() == "authorization":
            value = value[0] if isinstance(value, list) and value else value
            return str(value).removeprefix("Bearer ").strip()
    return ""


def retry_after(response: HttpResponse) -> float:
    """Seconds ``Retry-After`` asks for: 1 when absent or not a non-negative integer
    (slack-sdk's own handler crashes on an HTTP-date there)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            text = str(value).strip()
            return float(text) if text.isdigit() else 1.0
    return 1.0


def build_retry_handlers(
    max_retries: int = 3, *, backoff_factor: float = 0.5, max_retry_after: float = MAX_RETRY_AFTER,
    limits: RateLimits | None = None,
) -> list[RetryHandler]:
    """Retry handlers for connection errors, 429 (Retry-After) and 500/503.

    Args:
        max_retries: Retries per call, shared by all handlers (0 disables retrying).
        backoff_factor: First backoff in seconds; doubles per retry (plus up to 50 %).
            Does not apply to 429, which waits for Retry-After.
        max_retry_after: The longest Retry-After waited out; longer fails the call.
        limits: The rate limits a 429 slows down (see `marvin.slack.rate_limits`).
    """
    interval = BackoffRetryIntervalCalculator(
        backoff_factor=backoff_factor, jitter=_ProportionalJitter()
    )
    return [
        _ConnectionErrorRetry(max_retry_count=max_retries, interval_calculator=interval),
        _RateLimitRetry(max_retries, max_retry_after, limits),
        _ServerErrorRetry(max_retry_count=max_retries, interval_calculator=interval),
    ]
