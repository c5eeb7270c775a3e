"""`StoreResult`: the engine's Result protocol on Marvin's store (SQLite or Firestore).

Example::

    @task(cache_for=timedelta(hours=6), result=StoreResult(store))
    def fetch_holidays(year): ...

Task results kept here survive restarts and are shared by every replica using the same
store, so a cached result or a target written by one process is found by the next. The
value is serialized by the Result's serializer (JSON unless told otherwise) and kept as
bytes under its location; the engine never imports this module (it only sees a Result).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marvin.engine.results import BaseResult

if TYPE_CHECKING:
    from marvin.engine.results import LocationTemplate
    from marvin.engine.serializers import Serializer
    from marvin.store.base import Store

__all__ = ["StoreResult"]


class StoreResult(BaseResult):
    """Task results in `store`'s results table (SQLite) or collection (Firestore)."""

    def __init__(
        self,
        store: Store,
        location: LocationTemplate | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        super().__init__(location, serializer)
        self.store = store

    def exists(self, location: str) -> bool:
        return self.store.load_result(location) is not None

    def read(self, location: str) -> Any:
        data = self.store.load_result(location)
        if data is None:
            raise KeyError(f"no result at {location!r}")
        return self.serializer.deserialize(data)

    def write(self, location: str, value: Any) -> None:
        self.store.save_result(location, self.serializer.serialize(value))
