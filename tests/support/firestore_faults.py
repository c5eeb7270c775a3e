"""Faults and call counts for the Firestore backends, through their public seam.

`FirestoreStore` and `FirestoreHistory` take an ``intercept`` at construction (see
`marvin.store.firestore.calls`): every call they make to Firestore goes through it.
`FirestoreFaults` is one: it counts calls and, when told, loses the answer of a write
that was applied, or refuses calls, so tests never patch the client library's insides.

Example::

    faults = FirestoreFaults()
    store = FirestoreStore(project=..., intercept=faults)
    with faults.answer_lost("updates") as lost:    # the next write there lands, then
        store.append_update(...)                   # fails as DEADLINE_EXCEEDED
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from google.api_core import exceptions as gexc

from marvin.store.firestore.calls import FirestoreCall

WRITES = frozenset({"create", "update", "set", "delete", "commit"})
READS = frozenset({"get", "get_all", "query"})


class FirestoreFaults:
    """An interceptor: counts calls by op; loses answers and refuses calls on demand."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.commits: list[int] = []  # writes per batch commit, in order
        self._lock = threading.Lock()
        self._lose: list[tuple[str, Callable[[], None], list[str]]] = []
        self._refused: frozenset[str] = frozenset()
        self._failing: list[tuple[frozenset[str], Callable[[str], Exception], list[int]]] = []

    def __call__(self, call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        with self._lock:
            self.calls[call.op] += 1
            if call.op == "commit":
                self.commits.append(call.writes)
            refused = call.op in self._refused
            failure = next((f for f in self._failing if call.op in f[0] and f[2][0] > 0), None)
            if failure is not None:
                failure[2][0] -= 1
        if failure is not None:
            raise failure[1](f"{call.op} {call.path} failed (injected)")
        if refused:
            raise gexc.PermissionDenied(  # type: ignore[no-untyped-call]
                f"{call.op} {call.path} refused (injected)")
        result = proceed()
        if call.op in WRITES:
            with self._lock:
                rule = next((r for r in self._lose if f"/{r[0]}/" in f"/{call.path}/"), None)
                if rule is not None:
                    self._lose.remove(rule)
            if rule is not None:
                _, then, lost = rule
                lost.append(call.path)
                then()
                raise gexc.DeadlineExceeded(  # type: ignore[no-untyped-call]
                    f"the answer to {call.op} {call.path} was lost (injected)")
        return result

    @contextmanager
    def answer_lost(
        self, collection: str, then: Callable[[], None] = lambda: None
    ) -> Iterator[list[str]]:
        """The next write to `collection` is applied, but its answer is lost: the caller
        sees DEADLINE_EXCEEDED, which Firestore documents as "the operation may have
        completed"; `then` runs in between (another fault). Yields the paths it hit."""
        lost: list[str] = []
        rule = (collection, then, lost)
        with self._lock:
            self._lose.append(rule)
        try:
            yield lost
        finally:
            with self._lock:
                if rule in self._lose:
                    self._lose.remove(rule)

    @contextmanager
    def failing(
        self, ops: frozenset[str], error: Callable[[str], Exception], times: int = 1
    ) -> Iterator[list[int]]:
        """The next `times` calls of these ops fail with `error(message)`, not applied.
        Yields a one-item list: how many of those failures are still to come."""
        rule = (ops, error, [times])
        with self._lock:
            self._failing.append(rule)
        try:
            yield rule[2]
        finally:
            with self._lock:
                self._failing.remove(rule)

    @contextmanager
    def refusing(self, ops: frozenset[str] = READS) -> Iterator[None]:
        """Every call of these ops fails (PERMISSION_DENIED) inside the block."""
        with self._lock:
            self._refused = ops
        try:
            yield
        finally:
            with self._lock:
                self._refused = frozenset()

    def refuse(self, ops: frozenset[str] = READS) -> None:
        """From now on (until `allow`), every call of these ops fails."""
        with self._lock:
            self._refused = ops

    def allow(self) -> None:
        with self._lock:
            self._refused = frozenset()
