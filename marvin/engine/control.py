"""Conditional logic: `case` blocks and `merge`, as in Prefect 1.

Example::

    with Flow("greet") as flow:
        kind = classify(member)
        with case(kind, "new"):
            welcome = send_welcome(member)
        with case(kind, "regular"):
            nudge = send_nudge(member)
        sent = merge(welcome, nudge)

No new engine machinery: a case adds a small compare task that SKIPs when the value
differs, every task created inside the block depends on it, and skip propagation does
the rest. `merge` runs despite skips and returns the first branch that produced a value.
"""

from __future__ import annotations

from marvin.engine.context import building_flow
from marvin.engine.flow import Flow
from marvin.engine.signals import SKIP
from marvin.engine.task import Task
from marvin.engine.triggers import not_all_skipped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["case", "merge", "CompareValue", "Merge"]


class CompareValue(Task):
    """SKIPs unless its input equals `expected`: the gate of a `case` block."""

    def __init__(self, expected: Any) -> None:
        super().__init__(name=f"case({expected!r})")
        self.expected = expected

    def run(self, value: Any) -> Any:
        if value != self.expected:
            raise SKIP(f"Condition not met: {value!r} != {self.expected!r}")
        return value


class case:  # noqa: N801 - a context manager used like a keyword
    """Run the tasks created inside the block only when `task`'s result equals `value`."""

    def __init__(self, task: Task, value: Any) -> None:
        self.task = task
        self.value = value
        self._flow: Flow | None = None

    def __enter__(self) -> case:
        flow = building_flow.get()
        if flow is None:
            raise ValueError("case(...) blocks must be used inside `with Flow(...)`")
        gate = CompareValue(self.value)
        flow.add_edge(self.task, gate, key="value")
        flow.case_stack.append(gate)
        self._flow = flow
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._flow is not None
        self._flow.case_stack.pop()


class Merge(Task):
    """Returns the first non-None result of its inputs; runs unless all of them skipped."""

    def __init__(self) -> None:
        super().__init__(name="merge", trigger=not_all_skipped, skip_on_upstream_skip=False)

    def run(self, **branches: Any) -> Any:
        return next((v for v in branches.values() if v is not None), None)


def merge(*tasks: Task, flow: Flow | None = None) -> Task:
    """Join the branches of `case` blocks into one value."""
    if not tasks:
        raise ValueError("merge() needs at least one task")
    branches: dict[str, Any] = {f"branch{i}": t for i, t in enumerate(tasks, 1)}
    return Merge()(flow=flow, **branches)
