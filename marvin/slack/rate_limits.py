"""Slack's rate limits per method and workspace, and the client-side pacing that keeps to them.

Slack limits each Web API method per app per workspace by tier (Tier 1 1+ per minute,
Tier 2 20+, Tier 3 50+, Tier 4 100+, "sporadic bursts" welcome), and ``chat.postMessage``
specially: about one message per second per channel, plus a workspace-wide budget that
Slack does not publish. `METHOD_TIERS` names the tier of every method Marvin calls (a test
keeps it complete); `RateLimits` paces calls to them with token buckets, one per token (a
workspace) and method, and one per channel for posts, so a fan-out keeps to the tiers
instead of running into 429s. A 429 that comes all the same empties the bucket and pauses
it for the ``Retry-After`` (the client still retries the call as before).

Waiting has a budget: a call that would wait longer than its caller allows (`max_wait`,
and no later than the `pacing_deadline` in force) is not sent; it fails at once with
`Paced`, a retryable `SlackError` (``ratelimited``), rather than hold a flow's thread past
its time or an interactive request past Slack's 3 s.

Example:
    >>> limits = RateLimits()
    >>> limits.acquire("xoxb-1", "users.info", "U1", max_wait=5.0)  # a token is free
    0.0
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from marvin.slack.followed_token import fingerprint
from marvin.slack.protocol import SlackError

__all__ = [
    "METHOD_TIERS", "POST_PER_CHANNEL", "POST_WORKSPACE", "SELF_PACED", "Limit", "Paced",
    "RateLimits", "pacing_deadline", "shared_limits",
]


@dataclass(frozen=True)
class Limit:
    """`per_minute` calls on average, up to `burst` at once (a token bucket)."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


TIER_1 = Limit(1, 1)
TIER_2 = Limit(20, 20)
TIER_3 = Limit(50, 50)
TIER_4 = Limit(100, 100)
POST_PER_CHANNEL = Limit(60, 3)
"""``chat.postMessage`` per channel: Slack's "1 per second, short bursts >1 allowed"."""
POST_WORKSPACE = Limit(600, 100)
"""``chat.postMessage`` per workspace: Slack keeps a workspace-wide limit it does not
publish; 10 a second on average, 100 at once, is well inside what Slack has been seen
to allow, and is the bound the fan-out benchmark measures against."""

METHOD_TIERS: dict[str, Limit] = {
    "apps.connections.open": TIER_1,
    "auth.test": TIER_4,  # "special": Slack allows it generously
    "chat.postEphemeral": TIER_4,
    "chat.postMessage": POST_WORKSPACE,  # and POST_PER_CHANNEL per channel
    "chat.update": TIER_3,
    "conversations.history": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "conversations.list": TIER_2,
    "conversations.open": TIER_3,
    "conversations.replies": TIER_3,
    "oauth.v2.access": TIER_4,
    "users.info": TIER_4,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
}
"""Each Web API method Marvin calls and its tier, as Slack's method pages give it."""

SELF_PACED = frozenset({"apps.connections.open"})
"""Methods the client does not pace: Socket Mode's reconnects have their own backoff, and
holding a reconnect for Tier 1's minute would leave Marvin deaf for that long."""

DEFAULT_LIMIT = TIER_2  # Slack: "most methods allow at least 20 requests per minute"
CLIENT_MARGIN = 1
"""Calls kept back from each burst: a call paced to the last free token may reach Slack
a moment after a later one, and Slack counts arrivals, not departures."""

_deadline: ContextVar[float | None] = ContextVar("marvin_pacing_deadline", default=None)


@contextmanager
def pacing_deadline(seconds: float) -> Iterator[None]:
    """Slack calls made inside wait for the rate limits at most until `seconds` from now
    (nested deadlines keep the earlier one); past it, a call that must wait is `Paced`."""
    until = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(until if outer is None else min(outer, until))
    try:
        yield
    finally:
        _deadline.reset(token)


class Paced(SlackError):
    """Not sent: keeping to Slack's rate limit would have meant waiting past the caller's
    budget. Retryable (``ratelimited``): the same call later will go."""

    def __init__(self, method: str, wait: float, allowed: float) -> None:
        super().__init__(method, "ratelimited", permanent=False)
        self.wait, self.allowed = wait, allowed
        self.args = (f"{method} failed: ratelimited (not sent: Slack's rate limit for it "
                     f"needs {wait:.1f} s of waiting, more than the {max(allowed, 0.0):.1f} s "
                     "this call may wait)",)


class _Bucket:
    """A token bucket; tokens below zero are calls already promised a later slot."""

    def __init__(self, limit: Limit, now: float, margin: int) -> None:
        self.rate = limit.per_second
        self.capacity = float(max(1, limit.burst - margin))
        self.tokens, self.stamp, self.not_before = self.capacity, now, 0.0

    def wait(self, now: float) -> float:
        """Seconds until this bucket lets one more call go."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        refill = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate
        return max(refill, self.not_before - now)

    def slow_down(self, now: float, seconds: float) -> None:
        self.wait(now)
        self.tokens = min(self.tokens, 0.0)
        self.not_before = max(self.not_before, now + seconds)


class RateLimits:
    """Token buckets per token, method and (for posts) channel. Thread-safe."""

    def __init__(
        self, tiers: dict[str, Limit] | None = None, *, margin: int = CLIENT_MARGIN,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._tiers = METHOD_TIERS if tiers is None else tiers
        self._margin, self._clock, self._sleep = margin, clock, sleep
        self._buckets: dict[tuple[str, ...], _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, token: str, method: str, channel: str, max_wait: float) -> float:
        """Wait for a free slot for one `method` call (about `channel`) and take it;
        returns the seconds waited.

        Raises:
            Paced: the slot is further away than `max_wait` (or the `pacing_deadline`).
        """
        now = self._clock()
        until = _deadline.get()  # on time.monotonic, whatever clock the buckets run on
        allowed = max_wait if until is None else min(max_wait, until - time.monotonic())
        with self._lock:
            buckets = self._buckets_for(token, method, channel, now)
            wait = max(bucket.wait(now) for bucket in buckets)
            if wait > allowed:
                raise Paced(method, wait, allowed)
            for bucket in buckets:
                bucket.tokens -= 1
        if wait > 0:
            self._sleep(wait)
        return wait

    def slow_down(self, token: str, method: str, seconds: float) -> None:
        """Slack answered 429 with ``Retry-After: seconds``: hold `method` that long."""
        now = self._clock()
        with self._lock:
            self._buckets_for(token, method, "", now)[0].slow_down(now, seconds)

    def _buckets_for(self, token: str, method: str, channel: str, now: float) -> list[_Bucket]:
        workspace = fingerprint(token)  # so no token sits in the limiter's keys
        keys: list[tuple[tuple[str, ...], Limit]] = [
            ((workspace, method), self._tiers.get(method, DEFAULT_LIMIT))]
        if method == "chat.postMessage" and channel:
            keys.append(((workspace, method, channel), POST_PER_CHANNEL))
        found = []
        for key, limit in keys:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(limit, now, self._margin)
            found.append(bucket)
        return found


_SHARED: dict[str, RateLimits] = {}
_SHARED_LOCK = threading.Lock()


def shared_limits(base_url: str) -> RateLimits:
    """The one `RateLimits` of this process for the Web API at `base_url`: every client of
    a workspace (the Bolt app's, the flows') draws on the same buckets."""
    with _SHARED_LOCK:
        limits = _SHARED.get(base_url)
        if limits is None:
            limits = _SHARED[base_url] = RateLimits()
        return limits
