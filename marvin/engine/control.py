"""Control flow as graph shapes: `case`, `switch`, `ifelse`, `merge`, `apply_map`, `flatten`.

Example::

    with Flow("greet") as flow:
        kind = classify(member)
        with case(kind, "new"):
            welcome = send_welcome(member)
        with case(kind, "regular"):
            nudge = send_nudge(member)
        sent = merge(welcome, nudge)

No new engine machinery, as in Prefect 1: a case adds a small compare task that SKIPs
when the value differs, every task created inside the block depends on it, and skip
propagation does the rest. `merge` runs despite skips and returns the first branch that
produced a value. `apply_map` builds a function's tasks once and maps every one of them
per item; `flatten` maps over the items of a list of lists.
"""

from __future__ import annotations

from marvin.engine.context import building_flow
from marvin.engine.flow import Flow, FlowValidationError, is_mappable
from marvin.engine.signals import SKIP
from marvin.engine.task import Task, unmapped
from marvin.engine.triggers import not_all_skipped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = [
    "case",
    "switch",
    "ifelse",
    "merge",
    "apply_map",
    "flatten",
    "CompareValue",
    "Merge",
    "AsBool",
    "Flatten",
]


def _active_flow(what: str, flow: Flow | None) -> Flow:
    flow = flow or building_flow.get()
    if flow is None:
        raise ValueError(f"{what} must be used inside `with Flow(...)` (or given flow=)")
    return flow


class CompareValue(Task):
    """SKIPs unless its input equals `expected`: the gate of a `case` block."""

    def __init__(self, expected: Any) -> None:
        super().__init__(name=f"case({expected!r})", checkpoint=False)  # a gate, not data
        self.expected = expected

    def run(self, value: Any) -> Any:
        if value != self.expected:
            raise SKIP(f"Condition not met: {value!r} != {self.expected!r}")
        return value


def _gate(flow: Flow, condition: Task, value: Any, mapped: bool = False) -> Task:
    """A CompareValue task fed by `condition`: the gate of one branch (one per item
    when `mapped`)."""
    gate = CompareValue(value)
    flow.add_edge(condition, gate, key="value", mapped=mapped)
    return gate


class case:  # noqa: N801 - a context manager used like a keyword
    """Run the tasks created inside the block only when `task`'s result equals `value`."""

    def __init__(self, task: Task, value: Any) -> None:
        self.task = task
        self.value = value
        self._flow: Flow | None = None

    def __enter__(self) -> case:
        flow = _active_flow("case(...) blocks", None)
        flow.case_stack.append(_gate(flow, self.task, self.value))
        self._flow = flow
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._flow is not None
        self._flow.case_stack.pop()


def switch(
    condition: Task, cases: Mapping[Any, Task], flow: Flow | None = None, mapped: bool = False
) -> None:
    """Run only the task in `cases` whose key equals `condition`'s result; the others
    (and what depends on them) are skipped. The tasks already exist: `switch` only
    gates them, as Prefect 1's does. With ``mapped=True`` the condition is a mapped
    task and each branch is gated item by item (child i runs when condition i matches).
    """
    flow = _active_flow("switch(...)", flow)
    for value, branch in cases.items():
        flow.add_edge(_gate(flow, condition, value, mapped), branch, mapped=mapped)


class AsBool(Task):
    """The truth of its input: the condition `ifelse` switches on."""

    def __init__(self) -> None:
        super().__init__(name="as_bool", checkpoint=False)

    def run(self, value: Any) -> bool:
        return bool(value)


def ifelse(
    condition: Task,
    true_task: Task | None,
    false_task: Task | None,
    flow: Flow | None = None,
    mapped: bool = False,
) -> None:
    """Run `true_task` when `condition`'s result is truthy, else `false_task` (either
    may be None: nothing runs on that side); `mapped` as for `switch`."""
    flow = _active_flow("ifelse(...)", flow)
    cases = {flag: t for flag, t in ((True, true_task), (False, false_task)) if t is not None}
    if cases:
        flag = (AsBool().map if mapped else AsBool())(condition, flow=flow)
        switch(flag, cases, flow=flow, mapped=mapped)


class Merge(Task):
    """Returns the first non-None result of its inputs; runs unless all of them skipped."""

    def __init__(self) -> None:
        super().__init__(name="merge", trigger=not_all_skipped, skip_on_upstream_skip=False)

    def run(self, **branches: Any) -> Any:
        return next((v for v in branches.values() if v is not None), None)


def merge(*tasks: Task, flow: Flow | None = None, mapped: bool = False) -> Task:
    """Join the branches of `case`/`switch`/`ifelse` into one value; with
    ``mapped=True``, join mapped branches item by item (child i takes the first value
    among the branches' children i, and skips only if all of them skipped)."""
    if not tasks:
        raise ValueError("merge() needs at least one task")
    branches: dict[str, Any] = {f"branch{i}": t for i, t in enumerate(tasks, 1)}
    if mapped:
        return Merge().map(flow=flow, **branches)
    return Merge()(flow=flow, **branches)


class Flatten(Task):
    """One list from a list of lists (a mapped task's children's lists, typically)."""

    def __init__(self) -> None:
        super().__init__(name="flatten")

    def run(self, nested: Any) -> list[Any]:
        return _flattened(nested)


def _flattened(nested: Any) -> list[Any]:
    if not is_mappable(nested) or not all(is_mappable(item) for item in nested):
        raise TypeError(f"flatten needs a list of lists, got {nested!r}")
    return [item for inner in nested for item in inner]


def flatten(nested: Any, flow: Flow | None = None) -> Any:
    """Map over the items of a list of lists: ``send.map(flatten(team_lists))``.

    Given a task (a mapped one included), adds a Flatten task that feeds the map; given
    a plain list of lists, returns it flattened."""
    if not isinstance(nested, Task):
        return _flattened(nested)
    return Flatten()(nested, flow=flow)


class _Item(Task):
    """Stands for one mapped input while `apply_map` builds the function's tasks."""

    def __init__(self, position: str) -> None:
        super().__init__(name=f"apply_map:{position}")


def apply_map(func: Callable[..., Any], *args: Any, flow: Flow | None = None, **kwargs: Any) -> Any:
    """Call `func` once to build its tasks, then map each of them over the inputs.

    Inputs are mapped (one child per item) unless wrapped in `unmapped`; `case` blocks
    inside `func` become per-item branches. Tasks inside `func` that depend on no mapped
    input stay single. Returns what `func` returns (its tasks, now mapped)."""
    flow = _active_flow("apply_map(...)", flow)
    items: dict[Task, Any] = {}

    def stand_in(position: str, value: Any) -> Any:
        if isinstance(value, unmapped):
            return value.value
        item = _Item(position)
        items[item] = value
        return item

    call_args = [stand_in(str(i), a) for i, a in enumerate(args)]
    call_kwargs = {k: stand_in(k, v) for k, v in kwargs.items()}
    if not items:
        raise ValueError("apply_map(...) needs at least one mapped input")
    scratch = Flow(f"{flow.name}:apply_map")
    with scratch:
        returned = func(*call_args, **call_kwargs)
    _map_into(flow, scratch, items)
    return returned


def _map_into(flow: Flow, scratch: Flow, items: Mapping[Task, Any]) -> None:
    """Move the tasks `scratch` created into `flow`, mapped wherever an item reaches."""
    created = [t for t in scratch.sorted_tasks() if t not in items and t not in flow.tasks]
    mapped: set[Task] = set(items)
    for task in created:
        flow.add_task(task)
        for key, value in scratch.constants.get(task, {}).items():
            flow.constants.setdefault(task, {})[key] = value
        for key, value in scratch.mapped_constants.get(task, {}).items():
            flow.mapped_constants.setdefault(task, {})[key] = value
    for task in created:
        for edge in scratch.upstream_edges(task):
            up = edge.upstream
            if up not in items:
                is_mapped = up in mapped
                if is_mapped:
                    mapped.add(task)
                flow.add_edge(up, task, edge.key, mapped=is_mapped)
                continue
            mapped.add(task)
            value = items[up]
            if isinstance(value, Task):
                flow.add_edge(value, task, edge.key, mapped=True)
            elif edge.key is not None:
                if isinstance(value, (str, bytes, dict)) or not is_mappable(value):
                    raise FlowValidationError(
                        f"apply_map: cannot map {task.slug!r} over {value!r}; pass a list "
                        "or wrap it in unmapped(...)"
                    )
                flow.mapped_constants.setdefault(task, {})[edge.key] = list(value)
