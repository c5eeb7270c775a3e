"""The runner: turns a Flow into a FlowRun, task by task, child by child.

Example::

    run = run_flow(flow, {"standup_channel": "#testing"}, executor=ThreadExecutor(16))
    run.state            # follows the reference tasks
    run.task_run(send_reminder).children    # one TaskRun per team member

Tasks are submitted in topological order. A plain task becomes one submission whose
inputs are its upstream handles; a mapped task becomes one submission per item whose
inputs are *that item's* upstream child, so chained maps form per-item pipelines (child
i of `send_reminder` waits only for child i of `is_reminder_needed`). The runner only
blocks when it must know how many children to create, i.e. on the task producing the
list. Decisions about a mapped parent as a whole (can it map at all?) happen here; the
per-run pipeline is in `task_runner`.

On an executor that `runs_remotely` (Dask), task runs execute in other processes and
come back as copies: the recorder stays here (it is never pickled) and is told about
each run as its result is collected, and each copy is pointed back at this run's Task
and FlowRun objects, so ids, `task_run(task)` and `all_task_runs()` work as locally.
"""

from __future__ import annotations

import os

from marvin.engine.carried import carried
from marvin.engine.clock import SystemClock
from marvin.engine.executors import LocalExecutor
from marvin.engine.flow import is_mappable
from marvin.engine.records import FlowRun, TaskRun
from marvin.engine.state import (
    Cancelled,
    Failed,
    Mapped,
    Paused,
    Running,
    State,
    Success,
)
from marvin.engine.task import Parameter
from marvin.engine.task_runner import (
    Const,
    TaskPlan,
    check_upstream,
    failed_state,
    record_safely,
    run_task,
    set_state,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from marvin.engine.clock import Clock
    from marvin.engine.executors import Executor
    from marvin.engine.flow import Edge, Flow
    from marvin.engine.records import Recorder
    from marvin.engine.task import Task

__all__ = ["run_flow"]


class _Single:
    """A task submitted once: one handle to its TaskRun."""

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle


class _Mapped:
    """A mapped task: its parent record (built here) and one handle per child."""

    __slots__ = ("parent", "children")

    def __init__(self, parent: TaskRun, children: list[Any]) -> None:
        self.parent = parent
        self.children = children


if TYPE_CHECKING:
    _Node = _Single | _Mapped


def _finished(task_run: TaskRun) -> TaskRun:
    return task_run


def run_flow(
    flow: Flow,
    parameters: Mapping[str, Any],
    *,
    executor: Executor | None = None,
    clock: Clock | None = None,
    recorder: Recorder | None = None,
    scheduled_start_time: float | None = None,
    resume: Iterable[Task] = (),
    run_id: str | None = None,
    task_states: Mapping[Task, State] | None = None,
) -> FlowRun:
    """Run `flow` and return its record. Wiring and parameter errors raise before
    anything runs (FlowValidationError); after that, nothing raises: every problem is
    a state.

    `task_states` gives tasks a starting state: a finished one is kept (the task does
    not run, downstream tasks get its result); any other one runs the task as usual.
    """
    flow.validate()
    given = _given_states(flow, task_states or {})
    values = flow.check_parameters(parameters)
    clock = clock or SystemClock()
    executor = executor or LocalExecutor()
    remote: bool = getattr(executor, "runs_remotely", False)
    run = FlowRun(
        run_id or os.urandom(16).hex(), flow.name, flow.version, values, scheduled_start_time
    )
    run.clock = clock
    run.start_time = clock.now()
    set_state(flow, run, Running("Running flow", timestamp=run.start_time), flow.state_handlers)
    if recorder is not None:
        record_safely(recorder.flow_run_started, run)
    try:
        with executor:
            nodes = _submit_all(
                flow, run, values, executor, clock, recorder, frozenset(resume), remote, given
            )
            by_task = _collect(nodes, executor, run, recorder, clock, remote)
        final = _flow_state(flow, by_task, clock)
        if flow.terminal_state_handler is not None:
            final = _terminal_say(flow, final, by_task)
    except Exception as exc:  # an engine bug or a broken executor: still a state
        from marvin.engine.logs import engine_logger

        engine_logger().exception("flow run %s failed inside the engine", run.id)
        final = failed_state("Engine error", exc, clock.now())
    final = set_state(flow, run, final, flow.state_handlers)
    run.end_time = final.timestamp
    if recorder is not None:
        record_safely(recorder.flow_run_finished, run)
    return run


def _submit_all(
    flow: Flow,
    run: FlowRun,
    values: dict[str, Any],
    executor: Executor,
    clock: Clock,
    recorder: Recorder | None,
    resume: frozenset[Task],
    remote: bool,
    given: Mapping[Task, State],
) -> dict[Task, _Node]:
    nodes: dict[Task, _Node] = {}
    # Remotely, task runs finish in other processes: record them here, when collected.
    plan_recorder = None if remote else recorder
    plan_carried = carried() if remote else None  # in-process tasks see our context
    for task in flow.sorted_tasks():
        if given and task in given:
            nodes[task] = _from_given(task, given[task], run, executor, plan_recorder)
            continue
        if isinstance(task, Parameter):
            task_run = TaskRun(task, None, run)
            set_state(task, task_run, _parameter_state(task, values[task.name], clock), ())
            if plan_recorder is not None:
                record_safely(plan_recorder.task_run_finished, task_run)
            nodes[task] = _Single(executor.submit(_finished, task_run))
            continue
        edges = flow.upstream_edges(task)
        mapped_constants = flow.mapped_constants.get(task, {})
        keys = tuple(e.key for e in edges) + tuple(mapped_constants)
        plan = TaskPlan(
            task,
            run,
            clock,
            plan_recorder,
            keys,
            flow.constants.get(task, {}),
            task in resume,
            flow.result,
            plan_carried,
        )
        if flow.is_mapped(task):
            nodes[task] = _submit_mapped(plan, edges, mapped_constants, nodes, executor, clock)
        else:
            upstream = [_whole(nodes[e.upstream]) for e in edges]
            nodes[task] = _Single(executor.submit(run_task, plan, None, *upstream))
    return nodes


def _parameter_state(param: Parameter, value: Any, clock: Clock) -> State:
    """Success with the parameter's value as tasks receive it, or Failed when the
    parameter rejects it (e.g. a DateTimeParameter given "not a date")."""
    try:
        return Success("Parameter", param.cast(value), clock.now())
    except Exception as exc:
        return failed_state(f"Parameter {param.name!r} rejected {value!r}", exc, clock.now())


def _whole(node: _Node) -> Any:
    return node.handle if isinstance(node, _Single) else node.children


def _submit_mapped(
    plan: TaskPlan,
    edges: Sequence[Edge],
    mapped_constants: Mapping[str, list[Any]],
    nodes: Mapping[Task, _Node],
    executor: Executor,
    clock: Clock,
) -> _Node:
    """Submit one child per item, or decide the parent's state when it cannot map.

    Before mapping, the parent is checked against the upstream tasks it does not map
    over child-by-child (unmapped inputs, state-only edges, the tasks producing the
    lists): if one of them failed, the mapped task ends TriggerFailed (or Skipped) as a
    whole, even when there would be no children to carry that state.
    """
    task = plan.task
    sources: list[tuple[list[Any] | None, Any]] = []  # (per-item inputs, or the whole input)
    lengths: list[tuple[str, int]] = []  # (input, length): a list, as names may repeat
    upstream_states: list[State] = []
    providers: list[tuple[int, Edge, State]] = []  # (index in sources, edge, its state)
    for edge in edges:
        node = nodes[edge.upstream]
        if edge.key is None and isinstance(node, _Single):
            # A state-only upstream that ended as a whole (it could not map, or is not
            # mapped): every child waits for that one state.
            upstream_states.append(executor.result(node.handle).state)
            sources.append((None, node.handle))
            continue
        if isinstance(node, _Mapped):
            if edge.mapped:
                sources.append((node.children, None))
                lengths.append((edge.upstream.slug, len(node.children)))
            else:
                sources.append((None, node.children))
                upstream_states.extend(executor.result(h).state for h in node.children)
            continue
        state = executor.result(node.handle).state
        upstream_states.append(state)
        if edge.mapped:
            providers.append((len(sources), edge, state))
            sources.append(([], None))  # filled in below, once the parent may map
        else:
            sources.append((None, node.handle))
    early = check_upstream(task, upstream_states, plan.resumed, clock)
    if early is not None:
        return _parent_ends(plan, executor, early)
    for index, edge, state in providers:
        items = state.result
        if state.is_skipped() and items is None:
            items = []
        if not state.is_successful() or not is_mappable(items):
            what = (
                f"it ended {state.name}"
                if not state.is_successful()
                else (f"expected a list, got {type(items).__name__}")
            )
            message = f"Cannot map {task.slug!r} over {edge.upstream.slug!r}: {what}"
            return _parent_ends(plan, executor, Failed(message, timestamp=clock.now()))
        sources[index] = ([Const(v) for v in items], None)
        lengths.append((edge.upstream.slug, len(items)))
    for key, values in mapped_constants.items():
        sources.append(([Const(v) for v in values], None))
        lengths.append((key, len(values)))
    if len({n for _, n in lengths}) > 1:
        sizes = ", ".join(f"{name}: {n}" for name, n in lengths)
        message = f"Cannot map {task.slug!r}: its mapped inputs have different lengths ({sizes})"
        return _parent_ends(plan, executor, Failed(message, timestamp=clock.now()))
    count = lengths[0][1] if lengths else 0
    parent = TaskRun(task, None, plan.flow_run)
    set_state(task, parent, Running("Mapping", timestamp=clock.now()), task.state_handlers)
    children = []
    for i in range(count):
        upstream = [whole if items is None else items[i] for items, whole in sources]
        children.append(executor.submit(run_task, plan, i, *upstream))
    return _Mapped(parent, children)


def _given_states(flow: Flow, task_states: Mapping[Task, State]) -> dict[Task, State]:
    """The finished states among `task_states` (others run as usual); unknown tasks raise."""
    from marvin.engine.flow import FlowValidationError

    for task, state in task_states.items():
        if task not in flow.tasks:
            raise FlowValidationError(f"task_states: {task!r} is not in flow {flow.name!r}")
        if not isinstance(state, State):
            raise FlowValidationError(f"task_states: {task!r} got {state!r}, not a State")
    return {t: s for t, s in task_states.items() if s.is_finished()}


def _from_given(
    task: Task, state: State, run: FlowRun, executor: Executor, recorder: Recorder | None
) -> _Node:
    """A task run that keeps its given state; a given Mapped state brings its children."""
    task_run = TaskRun(task, None, run)
    task_run.state = state
    task_run.history.append(state)
    if isinstance(state, Mapped):
        children = []
        for i, child_state in enumerate(state.children):
            child = TaskRun(task, i, run)
            child.state = child_state
            child.history.append(child_state)
            if recorder is not None:
                record_safely(recorder.task_run_finished, child)
            children.append(executor.submit(_finished, child))
        return _Mapped(task_run, children)
    if recorder is not None:
        record_safely(recorder.task_run_finished, task_run)
    return _Single(executor.submit(_finished, task_run))


def _terminal_say(flow: Flow, state: State, by_task: Mapping[Task, TaskRun]) -> State:
    """Let the flow's terminal_state_handler replace its final state (Prefect 1's hook);
    a handler that raises or returns something else keeps `state`."""
    handler = flow.terminal_state_handler
    assert handler is not None
    references = {by_task[t].state for t in flow.reference_tasks()}
    try:
        replaced = handler(flow, state, references)
    except Exception:
        from marvin.engine.logs import engine_logger

        engine_logger().exception("terminal_state_handler of flow %s raised", flow.name)
        return state
    return replaced if isinstance(replaced, State) else state


def _parent_ends(plan: TaskPlan, executor: Executor, state: State) -> _Single:
    parent = TaskRun(plan.task, None, plan.flow_run)
    set_state(plan.task, parent, state, plan.task.state_handlers)
    if plan.recorder is not None:
        record_safely(plan.recorder.task_run_finished, parent)
    return _Single(executor.submit(_finished, parent))


def _collect(
    nodes: dict[Task, _Node],
    executor: Executor,
    run: FlowRun,
    recorder: Recorder | None,
    clock: Clock,
    remote: bool,
) -> dict[Task, TaskRun]:
    """Wait for every handle, in order, and assemble the run's records."""
    by_task: dict[Task, TaskRun] = {}
    for task, node in nodes.items():
        if isinstance(node, _Single):
            task_run = _result(executor, node.handle, task, None, run, clock)
            if remote:
                _brought_back(task_run, task, run, recorder)
        else:
            task_run = node.parent
            children = [
                _result(executor, h, task, i, run, clock) for i, h in enumerate(node.children)
            ]
            if remote:
                for child in children:
                    _brought_back(child, task, run, recorder)
            task_run.children = children
            states = [c.state for c in children]
            counts: dict[str, int] = {}
            for s in states:
                counts[s.name] = counts.get(s.name, 0) + 1
            summary = ", ".join(f"{n} {name}" for name, n in sorted(counts.items())) or "no items"
            mapped = Mapped(f"Mapped {len(children)} runs: {summary}", timestamp=clock.now())
            mapped.children = states
            set_state(task, task_run, mapped, task.state_handlers)
            if recorder is not None:
                record_safely(recorder.task_run_finished, task_run)
        run.task_runs.append(task_run)
        by_task[task] = task_run
    return by_task


def _brought_back(task_run: TaskRun, task: Task, run: FlowRun, recorder: Recorder | None) -> None:
    """A task run that ran in another process is a copy: link it to this run's objects
    (its own `task` and `flow_run` are copies too) and record it here, where the
    recorder lives; what the run's `Carried` collected on the worker is handed over
    first, so that what a task did is known by the time it is recorded."""
    task_run.task = task
    task_run.flow_run = run
    collected, task_run.carried_back = task_run.carried_back, None
    if collected is not None:
        hand_over = carried()
        if hand_over is not None:
            record_safely(hand_over.arrived, collected)
    if recorder is not None:
        record_safely(recorder.task_run_finished, task_run)


def _result(
    executor: Executor, handle: Any, task: Task, index: int | None, run: FlowRun, clock: Clock
) -> TaskRun:
    """A handle's TaskRun; an executor failure (e.g. an unpicklable result) becomes Failed."""
    try:
        task_run: TaskRun = executor.result(handle)
        return task_run
    except Exception as exc:
        task_run = TaskRun(task, index, run)
        task_run.state = failed_state("Executor error", exc, clock.now())
        task_run.history.append(task_run.state)
        return task_run


def _runs_of(tasks: Iterable[Task], by_task: Mapping[Task, TaskRun]) -> list[TaskRun]:
    runs: list[TaskRun] = []
    for task in tasks:
        task_run = by_task[task]
        runs.extend(task_run.children if task_run.children is not None else [task_run])
    return runs


def _flow_state(flow: Flow, by_task: Mapping[Task, TaskRun], clock: Clock) -> State:
    """The flow follows its reference tasks; a mapped reference task counts every child.

    A failed reference task fails the flow (so alerts fire) even while others wait.
    Otherwise, as in Prefect 1, the flow is not done while a terminal or reference task
    waits (paused, manual_only): it ends Paused where Prefect 1 stays Running, because
    `run` has returned and nothing will happen until someone resumes it.
    """
    runs = _runs_of(flow.reference_tasks(), by_task)
    states = [r.state for r in runs]
    states += [r.state for r in _runs_of(flow.terminal_tasks(), by_task)]
    now = clock.now()
    failed = [r for r in runs if r.state.is_failed()]
    if failed:
        shown = "; ".join(f"{r.name}: {r.state.message}" for r in failed[:5])
        more = f"; and {len(failed) - 5} more" if len(failed) > 5 else ""
        return Failed(f"{len(failed)} reference task run(s) failed: {shown}{more}", timestamp=now)
    if not all(s.is_finished() for s in states):
        return Paused("Some reference tasks are waiting (paused or pending)", timestamp=now)
    cancelled = sum(1 for s in states if s.is_cancelled())
    if cancelled:  # neither failed nor successful: stopped on purpose
        return Cancelled(f"{cancelled} reference task run(s) were cancelled", timestamp=now)
    return Success("All reference tasks succeeded", timestamp=now)
