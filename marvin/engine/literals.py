"""Collections of tasks as inputs: ``total([a(), b(), 3])`` wraps the list in a task.

Example::

    with Flow("sum") as flow:
        s = total([count_a(), count_b(), 3])   # a List task: count_a and count_b are upstream
        d = report({"a": count_a(), "n": 2})   # a Dict task

As Prefect 1's `List`, `Tuple`, `Set` and `Dict` tasks do: a list, tuple, set or dict
literal holding tasks (at any depth) becomes a small task whose inputs are the members,
so the members run first and the receiving task gets their *results*. A literal without
tasks stays a plain constant. A task hidden in another container type (a deque, a
namedtuple, a dict subclass, ...) is refused while building: it could only reach the
task as a Task object, which never works.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from marvin.engine.flow import FlowValidationError
from marvin.engine.task import Task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.flow import Flow

__all__ = ["List", "Tuple", "Set", "Dict", "collection_input"]


class List(Task):
    """Collects its inputs into a list (``item_0``, ``item_1``, ... in order)."""

    def run(self, **items: Any) -> list[Any]:
        return [items[f"item_{i}"] for i in range(len(items))]


class Tuple(List):
    """Collects its inputs into a tuple."""

    def run(self, **items: Any) -> tuple[Any, ...]:  # type: ignore[override]
        return tuple(super().run(**items))


class Set(List):
    """Collects its inputs into a set (members' results must be hashable)."""

    def run(self, **items: Any) -> set[Any]:  # type: ignore[override]
        return set(super().run(**items))


class Dict(Task):
    """Builds a dict from its inputs ``key_i`` and ``value_i`` (keys may be tasks too)."""

    def run(self, **items: Any) -> dict[Any, Any]:
        return {items[f"key_{i}"]: items[f"value_{i}"] for i in range(len(items) // 2)}


_PLAIN: dict[type, type[List]] = {list: List, tuple: Tuple, set: Set, frozenset: Set}


def _holds_task(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Task):
        return True
    if depth > 50:  # a self-referencing literal: nothing a task could use anyway
        return False
    if isinstance(value, Mapping):
        return any(_holds_task(k, depth + 1) or _holds_task(v, depth + 1) for k, v in value.items())
    if isinstance(value, Collection) and not isinstance(value, (str, bytes, bytearray, range)):
        return any(_holds_task(v, depth + 1) for v in value)
    return False


def collection_input(value: Any, flow: Flow, owner: str, key: str) -> Any:
    """`value` unchanged when it holds no task; otherwise a collection task in `flow`."""
    if not _holds_task(value):
        return value
    return _wrap(value, flow, owner, key)


def _wrap(value: Any, flow: Flow, owner: str, key: str) -> Any:
    if isinstance(value, Task) or not _holds_task(value):
        return value
    kind = type(value)
    if kind is dict:
        wrapper: Task = Dict(name="Dict")
        inputs: dict[str, Any] = {}
        for i, (k, v) in enumerate(value.items()):
            inputs[f"key_{i}"] = _wrap(k, flow, owner, key)
            inputs[f"value_{i}"] = _wrap(v, flow, owner, key)
    elif kind in _PLAIN:
        wrapper = _PLAIN[kind](name=_PLAIN[kind].__name__)
        inputs = {f"item_{i}": _wrap(v, flow, owner, key) for i, v in enumerate(value)}
    else:
        raise FlowValidationError(
            f"Task {owner!r}: input {key!r} is a {kind.__name__} holding tasks; only plain "
            "lists, tuples, sets and dicts of tasks are turned into their results. Build "
            f"the {kind.__name__} inside a task instead"
        )
    flow.set_dependencies(wrapper, keyword_tasks=inputs)
    return wrapper
