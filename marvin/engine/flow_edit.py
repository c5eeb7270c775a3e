"""Editing a built flow: merge another flow in, replace a task, copy the graph.

Example::

    flow.update(cleanup_flow)              # its tasks and edges join this flow
    flow.replace(send_reminder, dry_run)   # same wiring, another task
    trial = flow.copy()                    # same tasks, a graph of its own

Prefect 1's `Flow.update`, `Flow.replace` and `Flow.copy`, kept out of `flow.py` because
building and running never need them.
"""

from __future__ import annotations

from marvin.engine.flow import Flow, FlowValidationError
from marvin.engine.task import Task

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["update", "replace", "copy_flow"]


def update(flow: Flow, other: Flow, merge_parameters: bool = False) -> None:
    """Add `other`'s tasks, edges and constants to `flow`.

    Two different parameters with the same name are an error, unless `merge_parameters`:
    then `other`'s edges from its parameter start at `flow`'s parameter instead.
    """
    same: dict[Task, Task] = {}
    if merge_parameters:
        own = {p.name: p for p in flow.parameters()}
        same = {p: own[p.name] for p in other.parameters() if p.name in own}
    for task in other.tasks:
        if task not in same:
            flow.add_task(task)
    for edge in other.edges:
        up = same.get(edge.upstream, edge.upstream)
        present = flow.upstream_edges(edge.downstream)
        if not any(e.upstream is up and e.key == edge.key for e in present):
            flow.add_edge(up, edge.downstream, edge.key, edge.mapped)
    for mine, theirs in (
        (flow.constants, other.constants),
        (flow.mapped_constants, other.mapped_constants),
    ):
        for task, values in theirs.items():
            mine.setdefault(task, {}).update(values)


def replace(flow: Flow, old: Task, new: Any) -> None:
    """Put `new` everywhere `old` was: its inputs, its downstream tasks, its place among
    the reference tasks. A plain value becomes a constant task, which keeps only the
    state-only upstream edges (it has no inputs)."""
    if old not in flow.tasks:
        raise ValueError(f"Task {old!r} was not found in flow {flow.name!r}")
    constant = not isinstance(new, Task)
    if constant:
        new = _Constant(new)
    if new in flow.tasks:
        raise FlowValidationError(f"Flow {flow.name!r}: {new!r} is already in the flow")
    incoming = [e for e in flow.upstream_edges(old) if not (constant and e.key is not None)]
    outgoing = list(flow.downstream_edges(old))
    references = [new if t is old else t for t in flow._reference_tasks]
    constants = None if constant else flow.constants.get(old)
    mapped_constants = None if constant else flow.mapped_constants.get(old)
    inputs = (
        [e.key for e in incoming if e.key] + list(constants or ()) + list(mapped_constants or ())
    )
    flow._check_inputs(new, dict.fromkeys(inputs))  # before changing anything
    flow.constants.pop(old, None)
    flow.mapped_constants.pop(old, None)
    _remove(flow, old)
    flow.add_task(new)
    for e in incoming:
        flow.add_edge(e.upstream, new, e.key, e.mapped)
    for e in outgoing:
        flow.add_edge(new, e.downstream, e.key, e.mapped)
    if constants:
        flow.constants[new] = constants
    if mapped_constants:
        flow.mapped_constants[new] = mapped_constants
    flow._reference_tasks = references


def _remove(flow: Flow, task: Task) -> None:
    gone = set(flow.upstream_edges(task)) | set(flow.downstream_edges(task))
    for e in gone:
        if e.upstream is not task:
            flow.downstream_edges(e.upstream).remove(e)
        if e.downstream is not task:
            flow.upstream_edges(e.downstream).remove(e)
            if e.key is not None:
                flow._keys[e.downstream].discard(e.key)
    flow.edges = [e for e in flow.edges if e not in gone]
    del flow.tasks[task], flow._upstream[task], flow._downstream[task]
    flow._keys.pop(task, None)
    if flow._slugs.get(task.slug) is task:
        del flow._slugs[task.slug]
    flow.changed()


def copy_flow(flow: Flow) -> Flow:
    """Same tasks (the same objects, slugs kept), new edge lists: editing one graph leaves
    the other as it was (Prefect 1's `Flow.copy`)."""
    new = Flow(
        flow.name,
        schedule=flow.schedule,
        state_handlers=flow.state_handlers,
        terminal_state_handler=flow.terminal_state_handler,
        result=flow.result,
    )
    new.tasks = dict(flow.tasks)
    new.edges = list(flow.edges)
    new.constants = {t: dict(v) for t, v in flow.constants.items()}
    new.mapped_constants = {t: dict(v) for t, v in flow.mapped_constants.items()}
    new._upstream = {t: list(v) for t, v in flow._upstream.items()}
    new._downstream = {t: list(v) for t, v in flow._downstream.items()}
    new._keys = {t: set(v) for t, v in flow._keys.items()}
    new._reference_tasks = list(flow._reference_tasks)
    new._slugs = dict(flow._slugs)
    new._copies = dict(flow._copies)
    return new


class _Constant(Task):
    """A plain value standing in for a task (`flow.replace(task, 42)`)."""

    def __init__(self, value: Any) -> None:
        super().__init__(name=f"Constant[{type(value).__name__}]")
        self.value = value

    def run(self) -> Any:
        return self.value
