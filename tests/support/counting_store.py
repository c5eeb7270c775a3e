"""A `Store` wrapper that counts the calls made through it and the records they returned,
so a test can say how much of the store a page or report reads, on either backend.

Example::

    counted = CountingStore(store)
    render(counted)
    counted.calls["list_updates_between"], counted.records["list_day_summaries"]
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from marvin.store import Store


class CountingStore:
    """Passes every call on to `store`; `calls` and `records` (items in list answers) per
    method name."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()
        self.records: Counter[str] = Counter()

    def reset(self) -> None:
        self.calls.clear()
        self.records.clear()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            answer = attr(*args, **kwargs)
            if isinstance(answer, list):
                self.records[name] += len(answer)
            return answer

        return counted
