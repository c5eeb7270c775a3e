"""Tasks: functions with run-time behaviour attached (retries, triggers, handlers).

Example::

    @task(max_retries=3, retry_delay=timedelta(seconds=10))
    def send_reminder(member): ...

    with Flow("reminder") as flow:
        send_reminder.map(get_team())     # builds the graph, runs nothing

    send_reminder.fn("U123")               # still a plain function for unit tests

A `Task` is a definition only; the runner decides when and how it runs. Calling a task
inside ``with Flow(...)`` adds a *copy* of it to that flow, so one task can be used
twice in a graph.
"""

from __future__ import annotations

from marvin.engine.context import building_flow
from marvin.engine.signature import Signature
from marvin.engine.task_operators import TaskOperators
from marvin.engine.triggers import all_successful

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from datetime import timedelta
    from typing import Any, TypeVar

    from marvin.engine.cache_validators import CacheValidator
    from marvin.engine.flow import Flow
    from marvin.engine.results import LocationTemplate, Result
    from marvin.engine.state import State
    from marvin.engine.triggers import Trigger

    StateHandler = Callable[[Any, State, State], State | None]
    """``(task_or_flow, old_state, new_state) -> State | None``: None keeps `new_state`."""

    F = TypeVar("F", bound=Callable[..., Any])

__all__ = ["Task", "task", "unmapped", "Parameter", "DateTimeParameter"]


def _seconds(value: float | timedelta | None) -> float | None:
    if value is None:
        return None
    total = getattr(value, "total_seconds", None)  # a timedelta, without importing datetime
    return float(total()) if total is not None else float(value)  # type: ignore[arg-type]


def failure_handler(on_failure: Callable[[Any, State], None]) -> StateHandler:
    """Turn an ``on_failure(task_or_flow, state)`` callback into a state handler."""

    def handler(obj: Any, old: State, new: State) -> State | None:
        if new.is_failed():
            on_failure(obj, new)
        return None

    handler.__name__ = getattr(on_failure, "__name__", "on_failure")
    return handler


class unmapped:  # noqa: N801 - lower case, as users write it next to `.map(...)`
    """Mark one input of a ``.map(...)`` call as constant: every child gets all of it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Task(TaskOperators):
    """A unit of work. Subclass and override `run`, or use the `@task` decorator.

    Tasks compare and hash by identity (``==`` is ``is``), as in Prefect 1: a flow keeps
    them in dicts and sets. See `TaskOperators` for ``t[0]``, ``a + b``, ``a > b``.
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        max_retries: int = 0,
        retry_delay: float | timedelta = 0.0,
        timeout: float | timedelta | None = None,
        trigger: Trigger | None = None,
        skip_on_upstream_skip: bool = True,
        state_handlers: Sequence[StateHandler] | None = None,
        on_failure: Callable[[Any, State], None] | None = None,
        tags: Iterable[str] = (),
        nout: int | None = None,
        retry_on: type[BaseException] | Iterable[type[BaseException]] | None = None,
        task_run_name: LocationTemplate | None = None,
        log_stdout: bool = False,
        cache_for: float | timedelta | None = None,
        cache_validator: CacheValidator | None = None,
        cache_key: str | None = None,
        result: Result | None = None,
        checkpoint: bool | None = None,
        target: LocationTemplate | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self.name = name or type(self).__name__
        self.slug = self.name  # made unique by the flow it joins
        self.max_retries = max_retries
        self.retry_delay = _seconds(retry_delay) or 0.0
        if self.retry_delay < 0:
            raise ValueError(f"retry_delay must be >= 0, got {self.retry_delay}")
        self.timeout = _seconds(timeout)
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")
        self.trigger: Trigger = trigger or all_successful
        self.skip_on_upstream_skip = skip_on_upstream_skip
        self.state_handlers: list[StateHandler] = list(state_handlers or [])
        if on_failure is not None:
            self.state_handlers.append(failure_handler(on_failure))
        self.tags = frozenset(tags)
        if nout is not None and nout < 0:
            raise ValueError(f"nout must be >= 0, got {nout}")
        self.nout = nout  # how many results unpacking the task gives: `a, b = pair()`
        # Run options (see task_steps.py: each adds one step around the call).
        if isinstance(retry_on, type):
            retry_on = (retry_on,)
        self.retry_on = None if retry_on is None else tuple(retry_on)
        self.task_run_name = task_run_name
        self.log_stdout = log_stdout
        self.cache_for = _seconds(cache_for)
        if self.cache_for is not None and self.cache_for <= 0:
            raise ValueError(f"cache_for must be positive, got {self.cache_for}")
        if cache_validator is not None and self.cache_for is None:
            raise ValueError("cache_validator needs cache_for (how long a result stays valid)")
        self.cache_validator = cache_validator
        self.cache_key = cache_key
        self.result = result
        self.checkpoint = checkpoint
        self.target = target

    # The callable ------------------------------------------------------------
    def run(self, *args: Any, **kwargs: Any) -> Any:
        """The work itself; subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__}.run() is not implemented")

    @property
    def fn(self) -> Callable[..., Any]:
        """The plain function (``send_reminder.fn(member)`` in unit tests)."""
        return self.run

    def signature(self) -> Signature:
        """The inputs `run` takes (cached per class)."""
        cached: Signature | None = self.__dict__.get("_signature")
        if cached is None:
            cached = Signature.of(self.run)
            self.__dict__["_signature"] = cached
        return cached

    # Building flows ----------------------------------------------------------
    def copy(self, **overrides: Any) -> Task:
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.state_handlers = list(self.state_handlers)
        for key, value in overrides.items():
            if not hasattr(new, key):
                raise AttributeError(f"{type(self).__name__} has no attribute {key!r}")
            setattr(new, key, value)
        new.slug = new.name  # a new task, in no flow yet: the flow it joins names it
        return new

    def named_inputs(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Name every input by the function's signature; unknown inputs are an error now."""
        return self.signature().bind(self.name, args, kwargs)

    def bind(
        self,
        *args: Any,
        mapped: bool = False,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Add *this* task (not a copy) to the flow, wired to its inputs; returns it.

        Prefect 1's imperative `Task.bind`: calling a task is ``task.copy().bind(...)``.
        """
        flow = self._active_flow(flow, "bound")
        inputs = self.named_inputs(*args, **kwargs)
        flow.set_dependencies(
            self, upstream_tasks=upstream_tasks, keyword_tasks=inputs, mapped=mapped
        )
        return self

    def set_upstream(
        self, task: Any, flow: Flow | None = None, key: str | None = None, mapped: bool = False
    ) -> Task:
        """Make this task depend on `task` (as its input `key`, when given); returns self."""
        flow = self._active_flow(flow, "wired")
        if key is None:
            flow.set_dependencies(self, upstream_tasks=[task], mapped=mapped)
        else:
            flow.set_dependencies(self, keyword_tasks={key: task}, mapped=mapped)
        return self

    def set_downstream(
        self, task: Task, flow: Flow | None = None, key: str | None = None, mapped: bool = False
    ) -> Task:
        """Make `task` depend on this one (through its input `key`, if given); returns self."""
        task.set_upstream(self, flow=self._active_flow(flow, "wired"), key=key, mapped=mapped)
        return self

    def set_dependencies(
        self,
        flow: Flow | None = None,
        upstream_tasks: Iterable[Any] | None = None,
        downstream_tasks: Iterable[Task] | None = None,
        keyword_tasks: dict[str, Any] | None = None,
        mapped: bool = False,
    ) -> Task:
        """`Flow.set_dependencies` for this task, in the given or the active flow."""
        self._active_flow(flow, "wired").set_dependencies(
            self, upstream_tasks, downstream_tasks, keyword_tasks, mapped
        )
        return self

    def _active_flow(self, flow: Flow | None, what: str) -> Flow:
        flow = flow or building_flow.get()
        if flow is None:
            raise ValueError(
                f"Task {self.name!r} was {what} outside a flow: build flows inside "
                "`with Flow(...)` or pass flow=..., or call `.fn(...)` to run the plain function"
            )
        return flow

    def __call__(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Inside ``with Flow(...)``: add a copy of this task, wired to its inputs."""
        return self._bind_into_flow(args, kwargs, upstream_tasks, flow, mapped=False)

    def map(
        self,
        *args: Any,
        upstream_tasks: Iterable[Any] | None = None,
        flow: Flow | None = None,
        **kwargs: Any,
    ) -> Task:
        """Like calling the task, but one child run per item of each input.

        Inputs wrapped in `unmapped` (and plain constants that are not sequences) go whole
        to every child; mapped inputs must all have the same length.
        """
        return self._bind_into_flow(args, kwargs, upstream_tasks, flow, mapped=True)

    def _bind_into_flow(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        upstream_tasks: Iterable[Any] | None,
        flow: Flow | None,
        mapped: bool,
    ) -> Task:
        flow = self._active_flow(flow, "called")
        inputs = self.named_inputs(*args, **kwargs)  # before copying: errors name `self`
        new = self.copy()
        flow.set_dependencies(
            new, upstream_tasks=upstream_tasks, keyword_tasks=inputs, mapped=mapped
        )
        return new

    def __repr__(self) -> str:
        return f"<Task: {self.slug}>"


class FunctionTask(Task):
    """A task made from a function by `@task`."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None, **options: Any) -> None:
        if not callable(fn):
            raise TypeError(f"@task needs a function, got {fn!r}")
        self._fn = fn
        self._signature = Signature.of(fn)
        super().__init__(name or getattr(fn, "__name__", "task"), **options)
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    @property
    def fn(self) -> Callable[..., Any]:
        return self._fn

    def signature(self) -> Signature:
        return self._signature

    def run(self, *args: Any, **kwargs: Any) -> Any:
        return self._fn(*args, **kwargs)


if TYPE_CHECKING:
    from typing import overload
else:  # the overloads below are for type checkers; at run time the last `def` wins

    def overload(fn):
        return fn


@overload
def task(fn: F, /, **options: Any) -> FunctionTask: ...


@overload
def task(  # noqa: F811 - an overload (ruff cannot see through the run-time shim)
    fn: None = None,
    /,
    *,
    name: str | None = None,
    max_retries: int = 0,
    retry_delay: float | timedelta = 0.0,
    timeout: float | timedelta | None = None,
    trigger: Trigger | None = None,
    skip_on_upstream_skip: bool = True,
    state_handlers: Sequence[StateHandler] | None = None,
    on_failure: Callable[[Any, State], None] | None = None,
    tags: Iterable[str] = (),
    nout: int | None = None,
    retry_on: type[BaseException] | Iterable[type[BaseException]] | None = None,
    task_run_name: LocationTemplate | None = None,
    log_stdout: bool = False,
    cache_for: float | timedelta | None = None,
    cache_validator: CacheValidator | None = None,
    cache_key: str | None = None,
    result: Result | None = None,
    checkpoint: bool | None = None,
    target: LocationTemplate | None = None,
) -> Callable[[F], FunctionTask]: ...


def task(fn: Callable[..., Any] | None = None, /, **options: Any) -> Any:  # noqa: F811
    """Turn a function into a Task: ``@task`` or ``@task(max_retries=2, ...)``."""
    if fn is not None:
        return FunctionTask(fn, **options)

    def decorate(f: Callable[..., Any]) -> FunctionTask:
        return FunctionTask(f, **options)

    return decorate


_NO_DEFAULT: Any = object()


class Parameter(Task):
    """A flow input supplied at run time (``flow.run(parameters={...})``) or by a schedule."""

    def __init__(self, name: str, default: Any = _NO_DEFAULT, required: bool | None = None) -> None:
        super().__init__(name)
        self.default = None if default is _NO_DEFAULT else default
        self.required = (default is _NO_DEFAULT) if required is None else required
        flow = building_flow.get()
        if flow is not None:  # declared inside `with Flow(...)`: it is an input of that flow
            flow.add_task(self)

    def run(self) -> Any:
        return self.default

    def cast(self, value: Any) -> Any:
        """The value tasks receive for a given run-time value; raise to reject it."""
        return value

    def copy(self, **overrides: Any) -> Task:
        # A parameter is one input per flow: using it twice must not create two.
        return self

    def __repr__(self) -> str:
        return f"<Parameter: {self.name}>"


class DateTimeParameter(Parameter):
    """A parameter given as an ISO 8601 string (or a datetime) that tasks receive as a
    pendulum DateTime; a string that is not a date fails the parameter's run."""

    def cast(self, value: Any) -> Any:
        if value is None and not self.required:
            return None
        import pendulum

        if isinstance(value, str):
            parsed = pendulum.parse(value)
            if not isinstance(parsed, pendulum.DateTime):
                raise ValueError(f"parameter {self.name!r}: {value!r} is not a date and time")
            return parsed
        if hasattr(value, "tzinfo") and hasattr(value, "hour"):  # a datetime.datetime
            return pendulum.instance(value)
        raise TypeError(f"parameter {self.name!r}: expected an ISO 8601 string, got {value!r}")

    def __repr__(self) -> str:
        return f"<DateTimeParameter: {self.name}>"
