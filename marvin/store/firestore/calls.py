"""A seam on the Firestore backends: every call they make to Firestore, interceptable.

Example::

    def counting(call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        calls[call.op] += 1
        return proceed()

    store = FirestoreStore(project="p", intercept=counting)

`FirestoreStore` and `FirestoreHistory` take an `Interceptor` at construction. Tests use
it to count calls, to capture every query's `QueryShape` (and check the indexes it
needs) and to inject faults (a write applied whose answer is lost, refused reads) without
reaching into the client library; production passes none, and then the calls go straight
to the library. Plain Python: no Google import here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class QueryShape:
    """What a query asks of Firestore's indexes: its collection, filters and order.

    Built by the same calls that build the query (`marvin.store.firestore.client.Query`),
    so the two cannot drift apart; `marvin.store.firestore.indexes` decides from it
    whether the query needs a composite index."""

    collection: str
    """The collection id (the last segment of its path): the collection group an index names."""
    filters: tuple[tuple[str, str], ...] = ()
    """(field, operator) in the order they were added, e.g. ``("flow", "==")``."""
    order: tuple[tuple[str, str], ...] = ()
    """(field, ``ASCENDING`` or ``DESCENDING``), in order."""

    def where(self, field: str, op: str) -> QueryShape:
        return replace(self, filters=(*self.filters, (field, op)))

    def order_by(self, field: str, direction: str) -> QueryShape:
        return replace(self, order=(*self.order, (field, direction)))

    def __str__(self) -> str:
        parts = [f"{field} {op}" for field, op in self.filters]
        parts += [f"order by {field} {d.lower()}" for field, d in self.order]
        return f"{self.collection}" + (f" ({', '.join(parts)})" if parts else "")


@dataclass(frozen=True)
class FirestoreCall:
    """One call to Firestore, as an `Interceptor` sees it."""

    op: str
    """``get``, ``create``, ``update``, ``set`` or ``delete`` (a document), ``query``,
    ``get_all`` (documents read by id in one call) or ``commit`` (a batch of writes)."""
    path: str
    """The document's path (``updates/ops__2026-03-02__U1``), or the queried collection's
    (for ``get_all``, the documents' collection, or ``*`` when they are of several)."""
    writes: int = 0
    """For ``commit``: how many writes the batch holds (deletes included)."""
    deletes: int = 0
    """For ``commit``: how many of those writes are deletes."""
    reads: int = 0
    """For ``get_all``: how many documents it asks for (missing ones included)."""
    query: QueryShape | None = None
    """For ``query``: its shape (what it filters and orders by)."""


Interceptor = Callable[[FirestoreCall, Callable[[], Any]], Any]
"""``intercept(call, proceed)``: every call a store makes to Firestore goes through it,
and it must return what ``proceed()`` returns, or raise. The seam for fault injection
and call counting (a lost answer is ``proceed()`` then raising DeadlineExceeded)."""

_DOCUMENT_CALLS = frozenset({"get", "create", "update", "set", "delete"})


class _InterceptedDocument:
    """A document reference whose calls go through the store's interceptor."""

    def __init__(self, ref: Any, intercept: Interceptor) -> None:
        self._ref, self._intercept = ref, intercept

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._ref, name)
        if name not in _DOCUMENT_CALLS:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._intercept(FirestoreCall(name, self._ref.path),
                                   lambda: attr(*args, **kwargs))

        return call


def intercepted(ref: Any, intercept: Interceptor) -> Any:
    """A document reference whose document calls go through `intercept`."""
    return _InterceptedDocument(ref, intercept)
