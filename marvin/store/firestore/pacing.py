"""Pacing bulk writes the way Firestore asks: at most 500 writes/s to a new range of
documents, then 50% more every 5 minutes of sustained writing (the "500/50/5" rule).

Production Firestore splits a busy key range only gradually; writing faster than the rule
into a new collection (a big run's task runs) gets ABORTED / RESOURCE_EXHAUSTED answers
and slows every writer there. The client library's ``BulkWriter`` paces the same way, but
on its own threads and retries, outside the store's deadline and intercept seam; this is
the same rule in front of Marvin's own batches.

Example::

    pacer = RampUpPacer()
    pacer.acquire(500)   # at once: the first second's allowance
    pacer.acquire(500)   # waits about a second

A `Pacer` is any object with ``acquire(writes)``: `FirestoreHistory` takes one, which is
how tests see that pacing is applied without timing anything.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

INITIAL_RATE = 500.0  # writes per second into a new range of documents
PHASE_SECONDS = 300.0  # after each 5 minutes of sustained writing...
GROWTH = 1.5  # ...50% more


class Pacer(Protocol):
    def acquire(self, writes: int) -> None:
        """Return when `writes` more writes keep within the allowed rate."""


class RampUpPacer:
    """A token bucket whose rate follows the 500/50/5 rule; thread-safe.

    The bucket holds one second's allowance; a batch larger than what is left waits for
    the rest. Writing that pauses for a whole phase starts the ramp again from 500/s, as
    Firestore's capacity for a range cools down too.
    """

    def __init__(
        self,
        initial_rate: float = INITIAL_RATE,
        *,
        phase_seconds: float = PHASE_SECONDS,
        growth: float = GROWTH,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._initial, self._phase, self._growth = initial_rate, phase_seconds, growth
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._started: float | None = None  # when the current stretch of writing began
        self._last = 0.0  # when tokens were last counted
        self._tokens = initial_rate

    def rate(self) -> float:
        """Writes per second allowed now."""
        with self._lock:
            return self._rate(self._clock())

    def _rate(self, now: float) -> float:
        if self._started is None:
            return self._initial
        return self._initial * self._growth ** int((now - self._started) // self._phase)

    def acquire(self, writes: int) -> None:
        with self._lock:
            now = self._clock()
            if self._started is None or now - self._last > self._phase:
                self._started, self._last, self._tokens = now, now, self._initial
            rate = self._rate(now)
            self._tokens = min(rate, self._tokens + (now - self._last) * rate) - writes
            self._last = now
            wait = -self._tokens / rate if self._tokens < 0 else 0.0
            if wait:  # under the lock: other writers queue behind this batch
                self._sleep(wait)
