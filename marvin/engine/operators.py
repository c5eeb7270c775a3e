"""Operator tasks: what ``t[0]``, ``a + b`` or ``a > b`` build inside a flow.

Example::

    with Flow("math") as flow:
        pair = get_pair()          # returns (3, 4)
        s = pair[0] + pair[1]      # GetItem, GetItem, then Add: three small tasks

As in Prefect 1 (`prefect.tasks.core.operators`), each operator is a task taking ``x``
and ``y`` (or ``task_result`` and ``key``), so its operands run first and it gets their
results. ``==`` and ``!=`` stay identity comparisons (tasks live in sets and dicts):
use ``a.is_equal(b)`` / ``a.is_not_equal(b)`` for the task versions.
"""

from __future__ import annotations

import operator

from marvin.engine.task import Task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["GetItem", "BinaryOperator", "Not", "OPERATORS"]


class GetItem(Task):
    """``task_result[key]``."""

    def run(self, task_result: Any, key: Any) -> Any:
        return task_result[key]


class BinaryOperator(Task):
    """``op(x, y)`` for one operator of the `operator` module."""

    op: Callable[[Any, Any], Any] = operator.add

    def run(self, x: Any, y: Any) -> Any:
        return type(self).op(x, y)


class Not(Task):
    """``not x``."""

    def run(self, x: Any) -> bool:
        return not x


def _operator_task(name: str, op: Callable[[Any, Any], Any]) -> type[BinaryOperator]:
    return type(
        name, (BinaryOperator,), {"op": staticmethod(op), "__doc__": f"{op.__name__}(x, y)"}
    )


OPERATORS: dict[str, type[BinaryOperator]] = {
    name: _operator_task(name, op)
    for name, op in (
        ("Add", operator.add),
        ("Sub", operator.sub),
        ("Mul", operator.mul),
        ("Div", operator.truediv),
        ("FloorDiv", operator.floordiv),
        ("Pow", operator.pow),
        ("Mod", operator.mod),
        ("And", operator.and_),
        ("Or", operator.or_),
        ("Equal", operator.eq),
        ("NotEqual", operator.ne),
        ("GreaterThan", operator.gt),
        ("GreaterThanOrEqual", operator.ge),
        ("LessThan", operator.lt),
        ("LessThanOrEqual", operator.le),
    )
}
"""Prefect 1's operator task names, each a `BinaryOperator` subclass."""


def apply(name: str, x: Any, y: Any) -> Task:
    """Add ``OPERATORS[name]`` to the active flow with inputs `x` and `y`."""
    return OPERATORS[name]()(x, y)


def get_item(task: Task, key: Any) -> Task:
    label = key.name if isinstance(key, Task) else repr(key)
    return GetItem(name=f"{task.name}[{label}]")(task, key)
