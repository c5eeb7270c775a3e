"""Flows: a graph of tasks, built with the functional or the imperative API.

Example::

    with Flow("standup", schedule=schedule) as flow:
        channel = Parameter("standup_channel", default="#general")
        date = get_standup_date()
        post_updates(get_updates(date), channel)

    flow.run(parameters={"standup_channel": "#testing"})

A flow only *describes* work: building one runs nothing, and `run` hands the graph to
`marvin.engine.runner`. Mistakes a person makes while wiring (unknown inputs, missing
inputs, cycles, duplicate parameters) are reported here, before anything runs.
"""

from __future__ import annotations

from collections.abc import Collection

from marvin.engine.context import building_flow
from marvin.engine.task import Parameter, Task, failure_handler, unmapped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from contextvars import Token
    from typing import Any

    from marvin.engine.clock import Clock
    from marvin.engine.executors import Executor
    from marvin.engine.records import FlowRun, Recorder
    from marvin.engine.results import Result
    from marvin.engine.schedules import Schedule
    from marvin.engine.state import State
    from marvin.engine.task import StateHandler

    TerminalStateHandler = Callable[["Flow", State, set[State]], State | None]
    """``(flow, state, reference_task_states) -> State | None``: the flow's final say."""

__all__ = ["Flow", "Edge", "FlowValidationError", "is_mappable"]


def is_mappable(value: object) -> bool:
    """Whether a task can be mapped over `value`: a list-like, but not text or a dict."""
    if isinstance(value, (list, tuple, range)):
        return True
    return (
        hasattr(value, "__len__")
        and hasattr(value, "__getitem__")
        and not isinstance(value, (str, bytes, bytearray, dict))
    )


class FlowValidationError(ValueError):
    """The flow's graph is wrong (a cycle, a missing or unknown input, ...)."""


_COLLECTIONS = (list, tuple, set, frozenset, dict, Collection)
"""Values that may hold tasks: checked (and wrapped in a task when they do) on binding."""
_TEXT = (str, bytes, bytearray, range)


class Edge:
    """`downstream` depends on `upstream`; `key` names the input (None: state only)."""

    __slots__ = ("upstream", "downstream", "key", "mapped")

    def __init__(
        self, upstream: Task, downstream: Task, key: str | None = None, mapped: bool = False
    ) -> None:
        self.upstream = upstream
        self.downstream = downstream
        self.key = key
        self.mapped = mapped

    @property
    def upstream_task(self) -> Task:
        """Prefect 1's name for `upstream`."""
        return self.upstream

    @property
    def downstream_task(self) -> Task:
        """Prefect 1's name for `downstream`."""
        return self.downstream

    def __repr__(self) -> str:
        arrow = "=map=>" if self.mapped else "->"
        return f"<Edge {self.upstream.slug} {arrow} {self.downstream.slug} ({self.key})>"


class Flow:
    """A named graph of tasks with optional schedule, state handlers and reference tasks."""

    def __init__(
        self,
        name: str,
        *,
        schedule: Schedule | None = None,
        state_handlers: Sequence[StateHandler] | None = None,
        on_failure: Callable[[Any, State], None] | None = None,
        terminal_state_handler: TerminalStateHandler | None = None,
        result: Result | None = None,
    ) -> None:
        self.name = name
        self.terminal_state_handler = terminal_state_handler
        self.schedule = schedule
        self.result = result  # where tasks without their own `result` checkpoint
        self.state_handlers: list[StateHandler] = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(failure_handler(on_failure))
        self.tasks: dict[Task, None] = {}  # an ordered set
        self.edges: list[Edge] = []
        self.constants: dict[Task, dict[str, Any]] = {}
        self.mapped_constants: dict[Task, dict[str, Any]] = {}
        self._upstream: dict[Task, list[Edge]] = {}
        self._downstream: dict[Task, list[Edge]] = {}
        self._keys: dict[Task, set[str]] = {}  # input names given by edges, per task
        self._reference_tasks: list[Task] = []
        self._slugs: dict[str, Task] = {}
        self._copies: dict[str, int] = {}  # name -> last suffix tried: slugs in O(1) per add
        self._sorted: list[Task] | None = None
        self._terminal: list[Task] | None = None
        self._valid = False
        self._version: str | None = None
        self._tokens: list[Token[Flow | None]] = []
        self.case_stack: list[Task] = []  # active `case` blocks (see control.py)

    # Context manager: the functional API ---------------------------------------
    def __enter__(self) -> Flow:
        self._tokens.append(building_flow.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        building_flow.reset(self._tokens.pop())

    # Building -----------------------------------------------------------------
    def add_task(self, task: Task) -> Task:
        """Add a task (no edges); returns it. Adding twice is harmless."""
        if not isinstance(task, Task):
            raise TypeError(f"Flow {self.name!r}: expected a Task, got {task!r}")
        if task in self.tasks:
            return task
        if isinstance(task, Parameter):
            other = self._slugs.get(task.name)
            if other is not None:
                raise FlowValidationError(
                    f"Flow {self.name!r} already has a task or parameter named {task.name!r}"
                )
            task.slug = task.name
        elif task.slug != task.name and task.slug not in self._slugs:
            pass  # named by another flow (`update`, `copy`): one slug for the task everywhere
        else:
            # Resume numbering where the last copy of this name stopped: scanning from 1
            # made building a chain of N copies quadratic.
            slug, n = task.name, self._copies.get(task.name, 1)
            if n > 1 or slug in self._slugs:
                n += 1
                slug = f"{task.name}-{n}"
                while slug in self._slugs:
                    n += 1
                    slug = f"{task.name}-{n}"
            self._copies[task.name] = n
            task.slug = slug
        self._slugs[task.slug] = task
        self.tasks[task] = None
        self._upstream[task] = []
        self._downstream[task] = []
        self.changed()
        for case_task in self.case_stack:
            if case_task is not task:
                self.add_edge(case_task, task)
        return task

    def add_edge(
        self, upstream: Task, downstream: Task, key: str | None = None, mapped: bool = False
    ) -> Edge:
        """Make `downstream` depend on `upstream` (for its input `key`, if given)."""
        if upstream not in self.tasks:
            self.add_task(upstream)
        if downstream not in self.tasks:
            self.add_task(downstream)
        # A new task has no downstream edges yet: no walk needed (the common case).
        if upstream is downstream or (
            self._downstream[downstream] and self._reaches(downstream, upstream)
        ):
            raise FlowValidationError(
                f"Flow {self.name!r}: making {downstream.slug!r} depend on {upstream.slug!r} "
                "would create a cycle"
            )
        if key is not None:
            keys = self._keys.setdefault(downstream, set())  # a set: a List of N items
            if key in keys:  # would otherwise rescan its N edges per added item
                raise FlowValidationError(
                    f"Flow {self.name!r}: input {key!r} of {downstream.slug!r} is already set"
                )
            keys.add(key)
        edge = Edge(upstream, downstream, key, mapped)
        self.edges.append(edge)
        self._upstream[downstream].append(edge)
        self._downstream[upstream].append(edge)
        self.changed()
        return edge

    def set_dependencies(
        self,
        task: Task,
        upstream_tasks: Iterable[Any] | None = None,
        downstream_tasks: Iterable[Task] | None = None,
        keyword_tasks: Mapping[str, Any] | None = None,
        mapped: bool = False,
    ) -> None:
        """The imperative API: wire `task` to state-only and data dependencies.

        `keyword_tasks` maps input names to Tasks or constants; with ``mapped=True`` each
        is mapped over unless wrapped in `unmapped`.
        """
        self.add_task(task)
        if keyword_tasks:
            self._check_inputs(task, keyword_tasks)
        for up in upstream_tasks or ():
            # Like Prefect 1, a mapped task's state-only upstream is mapped too (child i
            # waits for child i) unless wrapped in `unmapped`; a task that is not mapped
            # itself is waited for as a whole (Prefect 1 would map over its result).
            is_mapped = mapped and not isinstance(up, unmapped)
            up = up.value if isinstance(up, unmapped) else up
            if not isinstance(up, Task):
                raise FlowValidationError(
                    f"Task {task.slug!r}: upstream_tasks must be tasks, got {up!r}"
                )
            self.add_edge(up, task, None, is_mapped and up in self.tasks and self.is_mapped(up))
        for down in downstream_tasks or ():
            self.add_edge(task, down)
        for key, value in (keyword_tasks or {}).items():
            is_mapped = mapped and not isinstance(value, unmapped)
            value = value.value if isinstance(value, unmapped) else value
            if (
                not isinstance(value, Task)
                and isinstance(value, _COLLECTIONS)
                and not isinstance(value, _TEXT)
            ):
                from marvin.engine.literals import collection_input

                value = collection_input(value, self, task.slug, key)
            if isinstance(value, Task):
                self.add_edge(value, task, key, is_mapped)
            elif is_mapped and isinstance(value, (str, bytes, bytearray, dict)):
                raise FlowValidationError(
                    f"Task {task.slug!r}: cannot map over input {key!r} = {value!r} (that maps "
                    "over characters or keys); pass a list, or wrap it in unmapped(...)"
                )
            elif is_mapped and is_mappable(value):
                self.mapped_constants.setdefault(task, {})[key] = list(value)
            else:
                self.constants.setdefault(task, {})[key] = value
        self.changed()

    def _check_inputs(self, task: Task, inputs: Mapping[str, Any]) -> None:
        signature = task.signature()
        if signature.var_keyword:
            return
        if all(name in signature.names for name in inputs):
            return
        unknown = sorted(set(inputs) - set(signature.names))
        if unknown:
            raise FlowValidationError(
                f"Task {task.slug!r} has no input(s) {', '.join(map(repr, unknown))}; "
                f"it takes: {', '.join(signature.names) or 'nothing'}"
            )

    def set_reference_tasks(self, tasks: Iterable[Task]) -> None:
        """Choose the tasks whose states decide the flow's state (default: terminal tasks)."""
        tasks = list(tasks)
        for t in tasks:
            if t not in self.tasks:
                raise FlowValidationError(f"Reference task {t!r} is not in flow {self.name!r}")
        self._reference_tasks = tasks

    # Editing the graph (Prefect 1's imperative helpers, in flow_edit.py) -------------
    def chain(self, *tasks: Task) -> list[Edge]:
        """Make each task depend on the one before it (state only); returns the edges."""
        return [self.add_edge(up, down) for up, down in zip(tasks, tasks[1:], strict=False)]

    def update(self, flow: Flow, merge_parameters: bool = False) -> None:
        """Add every task, edge and constant of `flow` to this flow."""
        from marvin.engine.flow_edit import update

        update(self, flow, merge_parameters)

    def replace(self, old: Task, new: Any) -> None:
        """Put `new` where `old` is: same edges, inputs and reference-task role."""
        from marvin.engine.flow_edit import replace

        replace(self, old, new)

    def copy(self) -> Flow:
        """A new flow with the same tasks (the same objects) and its own graph."""
        from marvin.engine.flow_edit import copy_flow

        return copy_flow(self)

    # Reading the graph ---------------------------------------------------------
    def upstream_edges(self, task: Task) -> list[Edge]:
        return self._upstream[task]

    def downstream_edges(self, task: Task) -> list[Edge]:
        return self._downstream[task]

    def edges_to(self, task: Task) -> set[Edge]:
        """The edges ending at `task` (Prefect 1's `flow.edges_to`)."""
        return set(self._edges_of(self._upstream, task))

    def edges_from(self, task: Task) -> set[Edge]:
        """The edges starting at `task` (Prefect 1's `flow.edges_from`)."""
        return set(self._edges_of(self._downstream, task))

    def upstream_tasks(self, task: Task) -> set[Task]:
        """The tasks `task` depends on, for data or state."""
        return {e.upstream for e in self._edges_of(self._upstream, task)}

    def downstream_tasks(self, task: Task) -> set[Task]:
        """The tasks that depend on `task`."""
        return {e.downstream for e in self._edges_of(self._downstream, task)}

    def _edges_of(self, table: dict[Task, list[Edge]], task: Task) -> list[Edge]:
        try:
            return table[task]
        except KeyError:
            raise ValueError(f"Task {task!r} was not found in flow {self.name!r}") from None

    def changed(self) -> None:
        """Forget what was derived from the graph (order, terminal tasks, validity,
        version): called by every method that changes it. Cached because each run
        needs them and recomputing them per run is a pass over every task."""
        self._sorted = self._terminal = self._version = None
        self._valid = False

    def terminal_tasks(self) -> list[Task]:
        if self._terminal is None:
            self._terminal = [t for t in self.tasks if not self._downstream[t]]
        return list(self._terminal)

    def root_tasks(self) -> list[Task]:
        return [t for t in self.tasks if not self._upstream[t]]

    def reference_tasks(self) -> list[Task]:
        if self._reference_tasks:
            return list(self._reference_tasks)
        chosen: list[Task] = []
        for task in self.terminal_tasks():
            # A resource's cleanup is terminal, but the block's own tasks decide the state.
            stand_ins = getattr(task, "reference_stand_ins", None)
            chosen.extend(stand_ins(self) if stand_ins is not None else [task])
        return chosen

    def parameters(self) -> list[Parameter]:
        return [t for t in self.tasks if isinstance(t, Parameter)]

    def get_task(self, slug: str) -> Task:
        try:
            return self._slugs[slug]
        except KeyError:
            raise KeyError(f"Flow {self.name!r} has no task {slug!r}") from None

    def is_mapped(self, task: Task) -> bool:
        """Whether the task runs once per item (any mapped input or mapped constant)."""
        if task in self.mapped_constants:
            return True
        for e in self._upstream[task]:
            if e.mapped:
                return True
        return False

    def sorted_tasks(self) -> list[Task]:
        """Tasks in a topological order that keeps insertion order among equals."""
        if self._sorted is None:
            remaining = {t: len(self._upstream[t]) for t in self.tasks}
            ready = [t for t, n in remaining.items() if n == 0]
            order: list[Task] = []
            while ready:
                t = ready.pop(0) if len(ready) < 64 else ready.pop()
                order.append(t)
                for e in self._downstream[t]:
                    remaining[e.downstream] -= 1
                    if remaining[e.downstream] == 0:
                        ready.append(e.downstream)
            if len(order) != len(self.tasks):  # pragma: no cover - add_edge prevents it
                raise FlowValidationError(f"Flow {self.name!r} has a cycle")
            self._sorted = order
        return self._sorted

    def _reaches(self, start: Task, target: Task) -> bool:
        stack, seen = [start], set()
        while stack:
            t = stack.pop()
            if t is target:
                return True
            if t not in seen:
                seen.add(t)
                stack.extend(e.downstream for e in self._downstream.get(t, ()))
        return False

    def validate(self) -> None:
        """Check every task gets each required input; raise FlowValidationError if not."""
        if self._valid:
            return
        problems = []
        for t in self.tasks:
            if isinstance(t, Parameter):
                continue
            given = {e.key for e in self._upstream[t] if e.key is not None}
            given |= set(self.constants.get(t, ())) | set(self.mapped_constants.get(t, ()))
            missing = [name for name in t.signature().required if name not in given]
            if missing:
                problems.append(f"{t.slug!r} is missing input(s): {', '.join(missing)}")
        if problems:
            raise FlowValidationError(f"Flow {self.name!r}: " + "; ".join(problems))
        self._valid = True

    def check_parameters(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Resolve run-time parameters against defaults; reject unknown and missing ones."""
        params = {p.name: p for p in self.parameters()}
        unknown = sorted(set(values) - set(params))
        if unknown:
            known = ", ".join(sorted(params)) or "none"
            raise FlowValidationError(
                f"Flow {self.name!r} got unknown parameter(s): {', '.join(unknown)} "
                f"(it takes: {known})"
            )
        missing = sorted(n for n, p in params.items() if p.required and n not in values)
        if missing:
            raise FlowValidationError(
                f"Flow {self.name!r} is missing required parameter(s): {', '.join(missing)}"
            )
        return {n: values.get(n, p.default) for n, p in params.items()}

    @property
    def version(self) -> str:
        """A short hash of the flow's code and shape: changes when a task's code changes."""
        if self._version is None:
            from marvin.engine.flow_version import flow_version

            self._version = flow_version(self)
        return self._version

    # Running ------------------------------------------------------------------
    def run(
        self,
        parameters: Mapping[str, Any] | None = None,
        *,
        executor: Executor | None = None,
        clock: Clock | None = None,
        recorder: Recorder | None = None,
        scheduled_start_time: float | None = None,
        resume: Iterable[Task] = (),
        run_id: str | None = None,
        task_states: Mapping[Task, State] | None = None,
    ) -> FlowRun:
        """Run the flow in this process and return its record (see `runner.run_flow`).

        `task_states` starts tasks from given states, as Prefect 1's does: a task given a
        finished state does not run again and passes that state (and result) downstream.
        """
        from marvin.engine.runner import run_flow

        return run_flow(
            self,
            parameters or {},
            executor=executor,
            clock=clock,
            recorder=recorder,
            scheduled_start_time=scheduled_start_time,
            resume=resume,
            run_id=run_id,
            task_states=task_states,
        )

    def visualize(
        self, run: FlowRun | None = None, *, format: str = "svg", filename: str | None = None
    ) -> str:
        """The graph as SVG (the dashboard's picture) or Mermaid, coloured by `run`."""
        from marvin.engine.visualize import visualize

        return visualize(self, run, format=format, filename=filename)

    def to_mermaid(self, run: FlowRun | None = None) -> str:
        """The graph as Mermaid text, coloured by state when given a run."""
        from marvin.engine.visualize import to_mermaid

        return to_mermaid(self, run)

    def __repr__(self) -> str:
        return f"<Flow {self.name!r}: {len(self.tasks)} tasks>"
