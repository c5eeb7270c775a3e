"""Results: where a task's return value is kept between runs (memory, local files).

Example::

    @task(result=LocalResult("cache"), target="{task_name}/{today}.json")
    def fetch_holidays(year): ...

A Result knows how to check, read and write a value at a location, and formats a
location template (``"{flow_name}/{task_name}/{today}"``) from the task run's context
and inputs. Caching (`cache_for`) and targets use it; the engine keeps no other store.
A Marvin-store Result lives in `marvin.store.results`, outside the engine.
"""

from __future__ import annotations

import threading

from marvin.engine.serializers import JSONSerializer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, Protocol

    from marvin.engine.serializers import Serializer

    LocationTemplate = str | Callable[..., str]
else:
    Protocol = object

__all__ = ["Result", "BaseResult", "MemoryResult", "LocalResult", "format_location"]


class Result(Protocol):
    """Keeps values at named locations. Implementations must be thread-safe."""

    location: LocationTemplate | None

    def format(self, **context: Any) -> str: ...

    def exists(self, location: str) -> bool: ...

    def read(self, location: str) -> Any: ...

    def write(self, location: str, value: Any) -> None: ...


def format_location(template: LocationTemplate, context: Mapping[str, Any]) -> str:
    """Fill a template (a ``str.format`` string or a callable taking the context as
    keywords); a name the context lacks is a ValueError that says which names exist."""
    try:
        location = template(**context) if callable(template) else template.format(**context)
    except KeyError as exc:
        names = ", ".join(sorted(context))
        raise ValueError(
            f"location template {template!r} uses {exc}, which is not known here "
            f"(known: {names})"
        ) from None
    if not isinstance(location, str) or not location:
        raise ValueError(f"location template {template!r} gave {location!r}, not a name")
    return location


class BaseResult:
    """What every Result shares: a location template and a serializer."""

    def __init__(
        self, location: LocationTemplate | None = None, serializer: Serializer | None = None
    ) -> None:
        self.location = location
        self.serializer: Serializer = serializer or JSONSerializer()

    def format(self, **context: Any) -> str:
        if self.location is None:
            raise ValueError(f"{type(self).__name__} has no location template")
        return format_location(self.location, context)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(location={self.location!r})"


class MemoryResult(BaseResult):
    """Values kept in this process's memory, serialized (so a read returns a copy and an
    unserializable value fails at write, as it would in a lasting store)."""

    def __init__(
        self, location: LocationTemplate | None = None, serializer: Serializer | None = None
    ) -> None:
        super().__init__(location, serializer)
        self._values: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # Picklable (Dask ships tasks to workers); each process then has its own values.
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def exists(self, location: str) -> bool:
        with self._lock:
            return location in self._values

    def read(self, location: str) -> Any:
        with self._lock:
            data = self._values.get(location)
        if data is None:
            raise KeyError(f"no result at {location!r}")
        return self.serializer.deserialize(data)

    def write(self, location: str, value: Any) -> None:
        data = self.serializer.serialize(value)
        with self._lock:
            self._values[location] = data


class LocalResult(BaseResult):
    """Values kept as files under `dir`, one per location; written atomically (a
    reader never sees half a file) and never outside `dir`."""

    def __init__(
        self,
        dir: str | Any = ".marvin-results",
        location: LocationTemplate | None = None,
        serializer: Serializer | None = None,
    ) -> None:
        from pathlib import Path

        super().__init__(location, serializer)
        self.dir = Path(dir).resolve()

    def path(self, location: str) -> Any:
        """The file for `location`; a location that would leave `dir` is a ValueError."""
        path = (self.dir / location).resolve()
        if path == self.dir or self.dir not in path.parents:
            raise ValueError(f"result location {location!r} is outside {self.dir}")
        return path

    def exists(self, location: str) -> bool:
        return bool(self.path(location).is_file())

    def read(self, location: str) -> Any:
        try:
            data = self.path(location).read_bytes()
        except FileNotFoundError:
            raise KeyError(f"no result at {location!r}") from None
        return self.serializer.deserialize(data)

    def write(self, location: str, value: Any) -> None:
        import os
        import tempfile

        data = self.serializer.serialize(value)
        path = self.path(location)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
