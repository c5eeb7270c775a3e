"""Every query a Firestore backend makes, captured through its public intercept seam.

Example::

    capture = QueryCapture()
    history = FirestoreHistory(project=..., intercept=capture)
    history.list_flow_runs(flow="reminder")
    capture.shapes   # {QueryShape("flow_runs", (("flow", "=="),), (("started_at", ...),))}

With ``strict=True`` a query that `marvin.store.firestore.indexes.QUERIES` does not
declare fails the test that made it, at once: the conftest's Firestore fixtures use one,
so a new query is caught by whichever test first runs it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from marvin.store.firestore.calls import FirestoreCall, Interceptor, QueryShape
from marvin.store.firestore.indexes import QUERIES


class QueryCapture:
    """An interceptor that records each query's shape, then passes the call on (to
    `then`, another interceptor, if given)."""

    def __init__(self, *, strict: bool = False, then: Interceptor | None = None) -> None:
        self.shapes: set[QueryShape] = set()
        self._strict, self._then = strict, then
        self._lock = threading.Lock()

    def __call__(self, call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        if call.query is not None:
            with self._lock:
                self.shapes.add(call.query)
            if self._strict and call.query not in QUERIES:
                raise AssertionError(
                    f"query {call.query} is not declared in marvin/store/firestore/indexes.py "
                    "QUERIES: declare it (and its index in firestore.indexes.json if it needs one)")
        return proceed() if self._then is None else self._then(call, proceed)


class CallCount:
    """An interceptor counting each kind of call (``query``, ``get``, ``get_all``...) in
    `ops`, checking each query as a strict `QueryCapture` does."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self._strict = QueryCapture(strict=True)

    def __call__(self, call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        self.ops[call.op] += 1
        return self._strict(call, proceed)
