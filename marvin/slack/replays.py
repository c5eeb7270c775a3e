"""The replay guard: a signed request is acted on once, however often it arrives.

Slack's v0 signature proves who sent a request and when, not that it is new: anyone who
sees one request may send it again, unchanged, for the 5 minutes its timestamp stays
valid. Slack itself never does that for slash commands or interactions (only the Events
API retries, and its retries carry a new timestamp and signature, plus
``X-Slack-Retry-Num``), so an identical request inside the window is a replay. Its
signature is noted in the store (so the guard holds across replicas) until its timestamp
can no longer pass verification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from marvin.store.base import Store

SIGNATURE_WINDOW = dt.timedelta(minutes=5)
"""How far a request's timestamp may be from now and still verify (slack-sdk's rule)."""
CLOCK_MARGIN = dt.timedelta(minutes=1)
"""Kept a little longer: replicas' clocks may differ by this much."""

ALREADY_RECEIVED = (
    "Marvin already received this exact request and acted on it once; "
    "nothing was done again."
)


class ReplayGuard:
    """`first_time(signature, timestamp)`: True once per signed request."""

    def __init__(self, store: Store, now: Callable[[], float]) -> None:
        """`now`: epoch seconds, the clock the signature verifier uses."""
        self.store = store
        self.now = now

    def first_time(self, signature: str, timestamp: str) -> bool:
        """Note the request; False when it was seen before (a replay).

        Raises:
            StoreError: the store could not say; the caller must not act on the request.
        """
        sent_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
        now = dt.datetime.fromtimestamp(self.now(), dt.UTC)
        # The signature covers the timestamp and the body: one key per request.
        return self.store.remember_request(
            signature, now, sent_at + SIGNATURE_WINDOW + CLOCK_MARGIN
        )
