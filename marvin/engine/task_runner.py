"""One task run as a short pipeline of steps: upstream check → trigger → call → retry.

Example (what the runner does for each task or mapped child)::

    task_run = run_task(plan, 3, team_run, Const(updates))
    task_run.state     # Success, Skipped, Failed, TriggerFailed, TimedOut, Paused ...

Every outcome is a State: signals pick theirs, exceptions become Failed with the
traceback kept, and nothing raised by a task, a trigger or a state handler escapes. The
hot path allocates one TaskRun and two States per run and calls no handler unless the
task has some, because this runs once per mapped item (10,000 items is ordinary).
"""

from __future__ import annotations

from marvin.engine.context import current_task_run
from marvin.engine.records import TaskRun
from marvin.engine.signals import FAIL, PAUSE, RETRY, Signal
from marvin.engine.state import (
    Failed,
    Finished,
    Looped,
    Paused,
    Pending,
    Resume,
    Retrying,
    Running,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
)
from marvin.engine.triggers import manual_only

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from marvin.engine.carried import Carried
    from marvin.engine.clock import Clock
    from marvin.engine.records import FlowRun, Recorder
    from marvin.engine.results import Result
    from marvin.engine.task import StateHandler, Task
    from marvin.engine.task_steps import AfterStep, BeforeStep

__all__ = ["Const", "TaskPlan", "run_task", "set_state", "failed_state", "check_upstream"]

_ERROR = 40  # logging.ERROR, without importing logging on the hot path


def failed_state(what: str, exc: BaseException, now: float) -> Failed:
    """A Failed state that keeps the exception and its formatted traceback."""
    import traceback

    return Failed(
        f"{what}: {type(exc).__name__}: {exc}",
        timestamp=now,
        exception=exc,
        traceback="".join(traceback.format_exception(exc)),
    )


class Const:
    """A plain value among a task run's upstream inputs (not a handle to resolve)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class TaskPlan:
    """Everything the children of one task share within one flow run."""

    __slots__ = (
        "task",
        "fn",
        "flow_run",
        "clock",
        "recorder",
        "keys",
        "constants",
        "resumed",
        "result",
        "before",
        "after",
        "carried",
    )

    def __init__(
        self,
        task: Task,
        flow_run: FlowRun,
        clock: Clock,
        recorder: Recorder | None,
        keys: tuple[str | None, ...],
        constants: dict[str, Any],
        resumed: bool,
        flow_result: Result | None = None,
        carried: Carried | None = None,
    ) -> None:
        self.task = task
        self.fn = task.fn
        self.flow_run = flow_run
        self.clock = clock
        self.recorder = recorder
        self.keys = keys
        self.constants = constants
        self.resumed = resumed
        self.result = task.result or flow_result
        self.before: tuple[BeforeStep, ...] = ()
        self.after: tuple[AfterStep, ...] = ()
        self.carried = carried  # set only for a remote executor's workers
        if (
            self.result is not None
            or task.cache_for is not None
            or task.target is not None
            or task.task_run_name is not None
            or task.log_stdout
        ):  # options add steps around the call; a plain task pays for none of them
            from marvin.engine import task_steps

            self.before, self.after = task_steps.steps_for(task, self.result)
            if task.log_stdout:
                from marvin.engine.stdout_log import stdout_logged

                self.fn = stdout_logged(self.fn)


def set_state(
    obj: Any, record: TaskRun | FlowRun, new: State, handlers: Sequence[StateHandler]
) -> State:
    """Move a run to `new`, letting state handlers replace it; handler errors are logged."""
    if handlers:
        old = record.state
        for handler in handlers:
            try:
                replaced = handler(obj, old, new)
            except Exception as exc:
                from marvin.engine.logs import engine_logger

                name = getattr(handler, "__name__", repr(handler))
                message = f"state handler {name} raised {type(exc).__name__}: {exc}"
                engine_logger().exception("%s", message)
                if isinstance(record, TaskRun):
                    record.add_log(_ERROR, message)
                continue
            if isinstance(replaced, State):
                new = replaced
            elif replaced is not None:
                from marvin.engine.logs import engine_logger

                name = getattr(handler, "__name__", repr(handler))
                message = f"state handler {name} returned {replaced!r}, not a State; ignored"
                engine_logger().error("%s", message)
                if isinstance(record, TaskRun):
                    record.add_log(_ERROR, message)
    if isinstance(new, Finished) and new.start_time is None:
        started = record.start_time
        new.start_time = new.timestamp if started is None else started
    record.state = new
    record.history.append(new)
    return new


def run_task(plan: TaskPlan, map_index: int | None, *upstream: Any) -> TaskRun:
    """Run one task (or mapped child) given its resolved upstream inputs.

    `upstream` lines up with `plan.keys`: each item is a TaskRun, a list of TaskRuns
    (a mapped parent's children) or a `Const`; a key of None means state-only. They are
    separate arguments so any executor resolves its handles among them.
    """
    if plan.carried is not None:  # on a remote worker: inside the run's carried context
        with plan.carried.on_worker() as collected:
            task_run = _run_task(plan, map_index, upstream)
        if collected:
            task_run.carried_back = collected
        return task_run
    return _run_task(plan, map_index, upstream)


def _run_task(plan: TaskPlan, map_index: int | None, upstream: tuple[Any, ...]) -> TaskRun:
    task = plan.task
    task_run = TaskRun(task, map_index, plan.flow_run)
    kwargs = dict(plan.constants)
    states: list[State] = []
    for key, up in zip(plan.keys, upstream, strict=True):
        if type(up) is Const:
            value = up.value
        elif type(up) is list:
            child_states = [r.state for r in up]
            states.extend(child_states)
            value = [s.result for s in child_states]
        else:
            states.append(up.state)
            value = up.state.result
        if key is not None:
            kwargs[key] = value
    early = check_upstream(task, states, plan.resumed, plan.clock)
    if early is None and plan.resumed:  # a person let a paused run go on (Prefect's Resume)
        resumed = Resume("Resumed", timestamp=plan.clock.now())
        set_state(task, task_run, resumed, task.state_handlers)
    if early is None and (plan.before or plan.after):
        _run_with_steps(plan, task_run, kwargs)
    elif early is not None:
        set_state(task, task_run, early, task.state_handlers)
    else:
        _execute(plan, task_run, kwargs)
    if plan.recorder is not None:
        record_safely(plan.recorder.task_run_finished, task_run)
    return task_run


def check_upstream(task: Task, states: list[State], resumed: bool, clock: Clock) -> State | None:
    """The state a run ends in without running, or None when it should run."""
    if states:
        skipped = False
        for s in states:  # one pass, no generators: this runs once per task run
            if not isinstance(s, Finished):
                return Pending("Upstream tasks have not finished", timestamp=clock.now())
            skipped = skipped or isinstance(s, Skipped)
        if skipped and task.skip_on_upstream_skip:
            return Skipped("Upstream task was skipped", timestamp=clock.now())
    trigger = task.trigger
    if trigger is manual_only:
        if resumed:
            return None
        return Paused("Waiting for approval (manual_only trigger)", timestamp=clock.now())
    try:
        if trigger(states):
            return None
    except Signal as sig:  # e.g. not_all_skipped SKIPs when every branch was skipped
        return _signal_state(sig, clock.now())
    except Exception as exc:
        import traceback

        return TriggerFailed(
            f"Trigger {getattr(trigger, '__name__', trigger)!s} raised {exc!r}",
            timestamp=clock.now(),
            exception=exc,
            traceback="".join(traceback.format_exception(exc)),
        )
    return TriggerFailed(
        f"Trigger {getattr(trigger, '__name__', trigger)!s} was not met by the upstream states",
        timestamp=clock.now(),
    )


def _run_with_steps(plan: TaskPlan, task_run: TaskRun, kwargs: dict[str, Any]) -> None:
    """The call wrapped in the steps its options ask for (see task_steps.py)."""
    from marvin.engine.task_steps import StepRun

    task, step_run = plan.task, StepRun(plan, task_run, kwargs)
    for before in plan.before:
        try:
            early = before(step_run)
        except Exception as exc:  # a step is engine code: a bug in it is still a state
            early = failed_state(f"Step {before.__name__} raised", exc, plan.clock.now())
        if early is not None:
            set_state(task, task_run, early, task.state_handlers)
            return
    _execute(plan, task_run, kwargs)
    for after in plan.after:
        state = task_run.state
        try:
            new = after(step_run, state)
        except Exception as exc:
            new = failed_state(f"Step {after.__name__} raised", exc, plan.clock.now())
        if new is not state:
            set_state(task, task_run, new, task.state_handlers)


def _retryable(task: Task, state: State) -> bool:
    """`retry_on`: only failures from these exception types are retried (a timeout
    counts as TimeoutError); without it every non-FAIL failure is."""
    retry_on = task.retry_on
    if retry_on is None:
        return True
    error = getattr(state, "exception", None)
    if isinstance(state, TimedOut):
        return any(issubclass(TimeoutError, kind) for kind in retry_on)
    return isinstance(error, retry_on)


def _execute(plan: TaskPlan, task_run: TaskRun, kwargs: dict[str, Any]) -> None:
    """Call the task, turning outcomes into states, retrying while it may."""
    task, clock, handlers = plan.task, plan.clock, plan.task.state_handlers
    while True:
        task_run.run_count += 1
        running = set_state(task, task_run, Running("Running", timestamp=clock.now()), handlers)
        if not isinstance(running, Running):  # a handler vetoed the run (as in Prefect 1)
            return
        token = current_task_run.set(task_run)
        final = False  # a FAIL signal: failed on purpose, no retries
        try:
            if task.timeout is None:
                result = plan.fn(**kwargs)
            else:
                result = _call_with_timeout(plan.fn, kwargs, task.timeout)
            new: State = Success("Task run succeeded", result, clock.now())
        except Signal as sig:
            new = _signal_state(sig, clock.now())
            final = isinstance(sig, FAIL)
        except _TimeoutExpired:
            new = TimedOut(f"Task timed out after {task.timeout:g} s", timestamp=clock.now())
        except Exception as exc:
            new = failed_state("Task raised", exc, clock.now())
        finally:
            current_task_run.reset(token)
        if isinstance(new, Looped):  # LOOP: the same run goes round again, retries renewed
            previous = _last_loop(task_run)
            new.loop_count = 1 if previous is None else previous.loop_count + 1
            set_state(task, task_run, new, handlers)
            task_run.run_count = 0
            continue
        wants_retry = (
            new.is_failed() and not final and _retryable(task, new)
        ) or isinstance(new, Retrying)
        retries_left = task_run.run_count <= task.max_retries
        if wants_retry and retries_left and new.is_failed():
            # As in Prefect 1, an attempt that will be retried passes through Failed, so
            # handlers (and on_failure) see every failed attempt; one turning it into a
            # non-failed state ends the run there.
            new = set_state(task, task_run, new, handlers)
            if not new.is_failed():
                return
        if wants_retry and retries_left:
            delay = task.retry_delay
            now = clock.now()
            retrying = set_state(
                task,
                task_run,
                Retrying(
                    f"{new.message}; retry {task_run.run_count} of {task.max_retries} "
                    f"in {delay:g} s",
                    timestamp=now,
                    start_time=now + delay,
                    run_count=task_run.run_count,
                ),
                handlers,
            )
            if not isinstance(retrying, Retrying):  # a handler decided: no more attempts
                return
            clock.sleep(delay)
            continue
        if isinstance(new, Retrying):  # RETRY with no retries left
            new = Failed(
                f"Retry requested but no retries left: {new.message}", timestamp=new.timestamp
            )
        set_state(task, task_run, new, handlers)
        return


def _last_loop(task_run: TaskRun) -> Looped | None:
    for state in reversed(task_run.history):
        if isinstance(state, Looped):
            return state
    return None


def _signal_state(sig: Signal, now: float) -> State:
    message = sig.message or f"{type(sig).__name__} signal raised"
    if isinstance(sig, RETRY):
        return Retrying(message, sig.result, now, start_time=now)
    if isinstance(sig, PAUSE):
        return Paused(message, sig.result, now)
    state_class = sig.state_class
    if issubclass(state_class, Failed):
        return state_class(message, sig.result, now, exception=sig)
    return state_class(message, sig.result, now)


class _TimeoutExpired(Exception):
    pass


def _call_with_timeout(fn: Callable[..., Any], kwargs: dict[str, Any], timeout: float) -> Any:
    """Run `fn` in a helper thread and stop waiting after `timeout` seconds.

    Python cannot kill a thread, so a timed-out call keeps running in the background
    (as a daemon); the task run, however, is over and its state is TimedOut.
    """
    import contextvars
    import threading

    context = contextvars.copy_context()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = context.run(fn, **kwargs)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="marvin-timeout", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise _TimeoutExpired
    if "error" in box:
        raise box["error"]
    return box["result"]


def record_safely(callback: Callable[[Any], None], record: Any) -> None:
    """Call a recorder hook; a broken recorder is logged, never breaks the run."""
    try:
        callback(record)
    except Exception:
        from marvin.engine.logs import engine_logger

        engine_logger().exception("recorder %s failed", getattr(callback, "__qualname__", callback))
