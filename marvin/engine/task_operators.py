"""Python operators on tasks: ``t[0]``, ``a + b``, ``a > b``, ``a, b = pair_task``.

Example::

    with Flow("math") as flow:
        low, high = bounds()        # bounds is @task(nout=2): two GetItem tasks
        width = high - low          # a Sub task

A mixin of `Task`, so `task.py` stays about one task; each method adds an operator
task (see `operators.py`, imported on first use) to the flow being built.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from marvin.engine.task import Task

__all__ = ["TaskOperators"]


def _apply(name: str, x: Any, y: Any) -> Task:
    from marvin.engine.operators import apply

    return apply(name, x, y)


class TaskOperators:
    """Operators that build tasks, as Prefect 1's `Task` has them."""

    nout: int | None

    def __getitem__(self, key: Any) -> Task:
        from marvin.engine.operators import get_item

        return get_item(self, key)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Task]:
        # Without this, Python would iterate with __getitem__ forever, adding GetItem tasks.
        if self.nout is None:
            raise TypeError(
                f"Task {self!r} is not iterable: if it returns several results, give it "
                "`nout=<count>` (e.g. @task(nout=2)) to unpack them"
            )
        return (self[i] for i in range(self.nout))

    def __add__(self, other: Any) -> Task:
        return _apply("Add", self, other)

    def __radd__(self, other: Any) -> Task:
        return _apply("Add", other, self)

    def __sub__(self, other: Any) -> Task:
        return _apply("Sub", self, other)

    def __rsub__(self, other: Any) -> Task:
        return _apply("Sub", other, self)

    def __mul__(self, other: Any) -> Task:
        return _apply("Mul", self, other)

    def __rmul__(self, other: Any) -> Task:
        return _apply("Mul", other, self)

    def __truediv__(self, other: Any) -> Task:
        return _apply("Div", self, other)

    def __rtruediv__(self, other: Any) -> Task:
        return _apply("Div", other, self)

    def __floordiv__(self, other: Any) -> Task:
        return _apply("FloorDiv", self, other)

    def __rfloordiv__(self, other: Any) -> Task:
        return _apply("FloorDiv", other, self)

    def __pow__(self, other: Any) -> Task:
        return _apply("Pow", self, other)

    def __rpow__(self, other: Any) -> Task:
        return _apply("Pow", other, self)

    def __mod__(self, other: Any) -> Task:
        return _apply("Mod", self, other)

    def __rmod__(self, other: Any) -> Task:
        return _apply("Mod", other, self)

    def __and__(self, other: Any) -> Task:
        return _apply("And", self, other)

    def __rand__(self, other: Any) -> Task:
        return _apply("And", other, self)

    def __or__(self, other: Any) -> Task:
        return _apply("Or", self, other)

    def __ror__(self, other: Any) -> Task:
        return _apply("Or", other, self)

    def __gt__(self, other: Any) -> Task:
        return _apply("GreaterThan", self, other)

    def __ge__(self, other: Any) -> Task:
        return _apply("GreaterThanOrEqual", self, other)

    def __lt__(self, other: Any) -> Task:
        return _apply("LessThan", self, other)

    def __le__(self, other: Any) -> Task:
        return _apply("LessThanOrEqual", self, other)

    def is_equal(self, other: Any) -> Task:
        """A task comparing results with ``==`` (``==`` itself compares task identity)."""
        return _apply("Equal", self, other)

    def is_not_equal(self, other: Any) -> Task:
        return _apply("NotEqual", self, other)

    def and_(self, other: Any) -> Task:
        return _apply("And", self, other)

    def or_(self, other: Any) -> Task:
        return _apply("Or", self, other)

    def not_(self) -> Task:
        from marvin.engine.operators import Not

        return Not()(self)
