"""The optional steps around a task call: run name, target, cache, checkpoint.

Example (what `TaskPlan` builds once per task and flow run)::

    before, after = steps_for(task)      # () and () for a task with no such options
    for step in before: state = step(step_run)          # a Cached state ends the run early
    for step in after:  state = step(step_run, state)   # Success -> Cached, checkpoint written

Each option is one small function from the run (and its state) to a state, in Prefect
1's style, so the hot path pays nothing for options a task does not use. No step
raises: a result store that fails is a logged warning for caching (the task just
runs) and a Failed state for a checkpoint the task asked for.
"""

from __future__ import annotations

from marvin.engine.results import MemoryResult, format_location
from marvin.engine.serializers import PickleSerializer
from marvin.engine.state import Cached, Failed

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from marvin.engine.records import TaskRun
    from marvin.engine.results import Result
    from marvin.engine.state import State
    from marvin.engine.task import Task
    from marvin.engine.task_runner import TaskPlan

    BeforeStep = Callable[["StepRun"], State | None]
    AfterStep = Callable[["StepRun", State], State]

__all__ = ["StepRun", "steps_for", "template_context", "process_cache"]

_WARNING = 30
_CACHE_ENTRIES = 10  # cached results kept per key, newest first (one per distinct input)

process_cache = MemoryResult(serializer=PickleSerializer())
"""Where `cache_for` keeps results when neither the task nor its flow has a `result`:
this process's memory, shared by every run of every flow in it (as Prefect 1's
in-process caches)."""


class StepRun:
    """One task run as the steps see it; the template context is built once, if asked."""

    __slots__ = ("plan", "task_run", "inputs", "target", "_context")

    def __init__(self, plan: TaskPlan, task_run: TaskRun, inputs: dict[str, Any]) -> None:
        self.plan = plan
        self.task_run = task_run
        self.inputs = inputs
        self.target: str | None = None  # the formatted target, once known
        self._context: dict[str, Any] | None = None

    @property
    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = template_context(self.task_run, self.inputs)
        return self._context

    def now(self) -> float:
        return self.plan.clock.now()

    def warn(self, message: str) -> None:
        from marvin.engine.logs import engine_logger

        engine_logger().warning("%s: %s", self.task_run.id, message)
        self.task_run.add_log(_WARNING, message)


def template_context(task_run: TaskRun, inputs: dict[str, Any]) -> dict[str, Any]:
    """Names a location or run-name template may use, as in Prefect 1: the flow's
    parameters, then the run's (flow_name, flow_run_id, task_name, task_slug, map_index,
    task_full_name, parameters, date: the scheduled start, else now; today, yesterday,
    tomorrow: YYYY-MM-DD), then the task's inputs; a later one wins on a clash."""
    import pendulum

    flow_run = task_run.flow_run
    stamp = flow_run.scheduled_start_time
    if stamp is None:
        stamp = flow_run.clock.now() if flow_run.clock is not None else pendulum.now().timestamp()
    date = pendulum.from_timestamp(stamp)
    context = dict(flow_run.parameters)
    context.update(
        flow_name=flow_run.flow_name,
        flow_run_id=flow_run.id,
        task_name=task_run.task.name,
        task_slug=task_run.task.slug,
        map_index=task_run.map_index,
        task_full_name=task_run.name,
        parameters=dict(flow_run.parameters),
        date=date,
        today=date.to_date_string(),
        yesterday=date.subtract(days=1).to_date_string(),
        tomorrow=date.add(days=1).to_date_string(),
    )
    context.update(inputs)
    return context


# Before the call --------------------------------------------------------------------
def name_run(run: StepRun) -> None:
    """`task_run_name`: the run's display name, from a template or a callable."""
    template = run.plan.task.task_run_name
    assert template is not None
    try:
        run.task_run.run_name = format_location(template, run.context)
    except Exception as exc:  # a bad name must not stop the work
        run.warn(f"task_run_name could not be formatted ({exc}); kept {run.task_run.name!r}")


def check_target(run: StepRun) -> State | None:
    """`target`: when a result already exists there, use it instead of running."""
    task, result = run.plan.task, run.plan.result
    if result is None:
        return Failed(
            f"Task {task.slug!r} has target= but no result= (on the task or its flow) to "
            "look it up in",
            timestamp=run.now(),
        )
    assert task.target is not None
    try:
        run.target = location = format_location(task.target, run.context)
        if not result.exists(location):
            return None
        value = result.read(location)
    except Exception as exc:
        return Failed(f"Could not check target of {task.slug!r}: {exc}", timestamp=run.now())
    return Cached(f"Result found at task target {location}", value, run.now())


def _cache_place(run: StepRun) -> tuple[Result, str]:
    task, task_run = run.plan.task, run.task_run
    key = task.cache_key or f"{task_run.flow_run.flow_name}/{task.slug}"
    if task_run.map_index is not None:  # each child caches its own item's result
        key = f"{key}[{task_run.map_index}]"
    return (run.plan.result or process_cache), f"cache/{key}"


def _cached_entries(result: Result, location: str) -> list[dict[str, Any]]:
    if not result.exists(location):
        return []
    entries = result.read(location)
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def check_cache(run: StepRun) -> State | None:
    """`cache_for`: the newest unexpired cached result the validator accepts."""
    from marvin.engine.cache_validators import duration_only

    task = run.plan.task
    result, location = _cache_place(run)
    try:
        entries = _cached_entries(result, location)
    except Exception as exc:
        run.warn(f"cache at {location} could not be read ({exc}); running the task")
        return None
    now = run.now()
    validator = task.cache_validator or duration_only
    parameters = run.task_run.flow_run.parameters
    for entry in entries:
        expires = entry.get("expires")
        if not isinstance(expires, (int, float)) or expires <= now:
            continue
        state = Cached(
            "Cached result from an earlier run",
            entry.get("result"),
            now,
            cached_inputs=entry.get("inputs"),
            cached_parameters=entry.get("parameters"),
            cache_expiration=float(expires),
        )
        try:
            if validator(state, run.inputs, parameters):
                return state
        except Exception as exc:
            run.warn(f"cache validator raised {type(exc).__name__}: {exc}; running the task")
            return None
    return None


# After the call ---------------------------------------------------------------------
def checkpoint(run: StepRun, state: State) -> State:
    """Write a successful result where its `result` says (the target, the result's
    location template, or flow/task/run id); a failed write fails the run."""
    if not _worth_keeping(state):
        return state
    result, task = run.plan.result, run.plan.task
    assert result is not None
    try:
        location = run.target
        if location is None:
            location = (
                result.format(**run.context)
                if result.location is not None
                else _default_location(run.task_run)
            )
        result.write(location, state.result)
    except Exception as exc:
        return Failed(
            f"Task {task.slug!r} succeeded but its result could not be written: "
            f"{type(exc).__name__}: {exc}",
            state.result,
            run.now(),
            exception=exc,
        )
    return state


def _default_location(task_run: TaskRun) -> str:
    flow_run = task_run.flow_run
    base = f"{flow_run.flow_name}/{task_run.task.slug}/{flow_run.id}"
    return base if task_run.map_index is None else f"{base}-{task_run.map_index}"


def cache_result(run: StepRun, state: State) -> State:
    """`cache_for`: keep a successful result for later runs; the run ends Cached."""
    if not _worth_keeping(state):
        return state
    task = run.plan.task
    assert task.cache_for is not None
    result, location = _cache_place(run)
    now = run.now()
    expires = now + task.cache_for
    parameters = dict(run.task_run.flow_run.parameters)
    entry = {"result": state.result, "inputs": run.inputs, "parameters": parameters}
    entry["expires"] = expires
    try:
        kept = [e for e in _cached_entries(result, location) if e.get("expires", 0) > now]
        kept = kept[: _CACHE_ENTRIES - 1]
        try:
            result.write(location, [entry, *kept])
        except (TypeError, ValueError):
            # Inputs or parameters the serializer cannot store (a datetime in JSON):
            # keep the result without them, so input validators never match it.
            result.write(location, [{**entry, "inputs": None, "parameters": None}, *kept])
    except Exception as exc:  # the work is done; only later runs lose the shortcut
        run.warn(f"result could not be cached at {location}: {type(exc).__name__}: {exc}")
        return state
    return Cached(
        f"Task run succeeded; result cached for {task.cache_for:g} s",
        state.result,
        now,
        cached_inputs=run.inputs,
        cached_parameters=parameters,
        cache_expiration=expires,
    )


def _worth_keeping(state: State) -> bool:
    return state.is_successful() and not state.is_skipped() and not state.is_cached()


# Assembly ---------------------------------------------------------------------------
def steps_for(
    task: Task, result: Result | None
) -> tuple[tuple[BeforeStep, ...], tuple[AfterStep, ...]]:
    """The steps a task's options ask for; `result` is the task's or else its flow's."""
    before: list[BeforeStep] = []
    after: list[AfterStep] = []
    if task.task_run_name is not None:
        before.append(name_run)
    if task.target is not None:
        before.append(check_target)
    if task.cache_for is not None:
        before.append(check_cache)
    if result is not None and task.checkpoint is not False:
        after.append(checkpoint)
    if task.cache_for is not None:
        after.append(cache_result)
    return tuple(before), tuple(after)
