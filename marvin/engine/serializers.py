"""Serializers: how a Result turns a value into bytes and back (JSON, pickle, cloudpickle).

Example::

    LocalResult(dir="results", serializer=PickleSerializer())

JSON is the default everywhere: it is readable, safe to load and the same in every
Python. Pickle and cloudpickle store any object but run code when loaded, so they are
opt-in for results you wrote yourself. Each module is imported on first use only.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol
else:
    Protocol = object

__all__ = ["Serializer", "JSONSerializer", "PickleSerializer", "CloudpickleSerializer"]


class Serializer(Protocol):
    """Turns a value into bytes and back."""

    def serialize(self, value: Any) -> bytes: ...

    def deserialize(self, data: bytes) -> Any: ...


class JSONSerializer:
    """UTF-8 JSON, keys sorted so the same value always gives the same bytes."""

    def serialize(self, value: Any) -> bytes:
        import json

        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    def deserialize(self, data: bytes) -> Any:
        import json

        return json.loads(data)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))


class PickleSerializer(JSONSerializer):
    """The standard library's pickle: any picklable object. Only load what you wrote."""

    def serialize(self, value: Any) -> bytes:
        import pickle

        return pickle.dumps(value)

    def deserialize(self, data: bytes) -> Any:
        import pickle

        return pickle.loads(data)  # noqa: S301 - opt-in, for results this process wrote


class CloudpickleSerializer(PickleSerializer):
    """cloudpickle (installed with the dask extra): lambdas and local classes too.
    Reading needs only pickle; writing without cloudpickle installed is an ImportError
    that says how to install it."""

    def serialize(self, value: Any) -> bytes:
        try:
            import cloudpickle  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            raise ImportError(
                "CloudpickleSerializer needs cloudpickle: pip install 'marvin-standup[dask]'"
            ) from None
        data: bytes = cloudpickle.dumps(value)
        return data
