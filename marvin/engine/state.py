"""States: what a task run or flow run is, as a small class tree.

Example::

    >>> s = Skipped("already posted")
    >>> s.is_successful(), s.is_skipped(), s.is_finished()
    (True, True, True)

Predicates come from subclassing (a Skipped *is* a Success, a TriggerFailed *is* a
Failed), as in Prefect 1, so triggers and reference-task checks stay one-liners and a
new state slots in without touching them. States are small ``__slots__`` objects with a
float timestamp because a run creates two or three per task run and the engine's budget
is microseconds per task run; `start_time`/`end_time` views are pendulum DateTimes.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "ALL_STATES",
    "State",
    "Pending",
    "Scheduled",
    "Retrying",
    "Resume",
    "Paused",
    "Running",
    "Finished",
    "Success",
    "Skipped",
    "Mapped",
    "Cached",
    "Looped",
    "Cancelled",
    "Failed",
    "TriggerFailed",
    "ValidationFailed",
    "TimedOut",
]


class State:
    """Base state: a message, an optional result and when it was entered.

    Attributes:
        message: why the run is in this state (human-readable).
        result: the task's return value (or a signal's result); None when there is none.
        timestamp: epoch seconds from the run's clock when the state was entered.
    """

    __slots__ = ("message", "result", "timestamp")

    color = "#9ca3af"

    def __init__(self, message: str | None = None, result: Any = None, timestamp: float = 0.0):
        self.message = message
        self.result = result
        self.timestamp = timestamp

    @property
    def name(self) -> str:
        """The state's class name, e.g. "Skipped"."""
        return type(self).__name__

    @property
    def entered_at(self) -> Any:
        """`timestamp` as a pendulum DateTime in UTC (imported lazily to keep imports cheap)."""
        import pendulum

        return pendulum.from_timestamp(self.timestamp)

    def is_pending(self) -> bool:
        return isinstance(self, Pending)

    def is_scheduled(self) -> bool:
        return isinstance(self, Scheduled)

    def is_retrying(self) -> bool:
        return isinstance(self, Retrying)

    def is_paused(self) -> bool:
        return isinstance(self, Paused)

    def is_running(self) -> bool:
        return isinstance(self, Running)

    def is_finished(self) -> bool:
        return isinstance(self, Finished)

    def is_successful(self) -> bool:
        return isinstance(self, Success)

    def is_skipped(self) -> bool:
        return isinstance(self, Skipped)

    def is_mapped(self) -> bool:
        return isinstance(self, Mapped)

    def is_failed(self) -> bool:
        return isinstance(self, Failed)

    def is_cached(self) -> bool:
        return isinstance(self, Cached)

    def is_looped(self) -> bool:
        return isinstance(self, Looped)

    def is_cancelled(self) -> bool:
        return isinstance(self, Cancelled)

    def __repr__(self) -> str:
        return f"<{self.name}: {self.message!r}>" if self.message else f"<{self.name}>"


class Pending(State):
    """Not yet run: waiting for upstream tasks."""

    __slots__ = ()


class Scheduled(Pending):
    """Waiting for a start time."""

    __slots__ = ("start_time",)
    color = "#60a5fa"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        start_time: float = 0.0,
    ):
        super().__init__(message, result, timestamp)
        self.start_time = start_time


class Retrying(Scheduled):
    """Failed, and will run again at `start_time`."""

    __slots__ = ("run_count",)
    color = "#f59e0b"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        start_time: float = 0.0,
        run_count: int = 0,
    ):
        super().__init__(message, result, timestamp, start_time)
        self.run_count = run_count


class Resume(Scheduled):
    """A paused run a person let go on: it runs now, whatever its trigger says."""

    __slots__ = ()
    color = "#818cf8"


class Paused(Pending):
    """Waiting for a person: a `manual_only` trigger or a PAUSE signal."""

    __slots__ = ()
    color = "#a78bfa"


class Running(State):
    """Running now."""

    __slots__ = ()
    color = "#38bdf8"


class Finished(State):
    """Done, for better or worse; `start_time`/`end_time` bound the run (epoch seconds).

    `start_time` is when the run first started running (equal to `end_time` for a run
    that ended without running, e.g. skipped or trigger-failed).
    """

    __slots__ = ("start_time",)

    def __init__(self, message: str | None = None, result: Any = None, timestamp: float = 0.0):
        # Inlined rather than super().__init__: two of these are made per task run.
        self.message = message
        self.result = result
        self.timestamp = timestamp
        self.start_time: float | None = None  # set by the runner when the state is entered

    @property
    def end_time(self) -> float:
        return self.timestamp

    @property
    def duration(self) -> float:
        start = self.start_time
        return 0.0 if start is None else max(self.timestamp - start, 0.0)


class Success(Finished):
    """Finished as intended."""

    __slots__ = ()
    color = "#22c55e"


class Skipped(Success):
    """Finished without doing its work, on purpose (a SKIP signal or an upstream skip).

    A Success subclass, so `all_successful` downstream tasks still run unless they skip
    on upstream skips themselves (the default).
    """

    __slots__ = ()
    color = "#d1d5db"


class Mapped(Success):
    """A mapped task's parent: its work happened in `children` (one state per item)."""

    __slots__ = ("children",)
    color = "#86efac"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        children: list[State] | None = None,
    ):
        super().__init__(message, result, timestamp)
        self.children: list[State] = children if children is not None else []


class Cached(Success):
    """Finished with a result kept from an earlier run (`cache_for`) or found at the
    task's `target`: the task's code did not run this time.

    `cached_inputs`/`cached_parameters` are what the result was computed from, and
    `cache_expiration` (epoch seconds, None for targets) when it stops being valid.
    """

    __slots__ = ("cached_inputs", "cached_parameters", "cache_expiration")
    color = "#4ade80"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        cached_inputs: dict[str, Any] | None = None,
        cached_parameters: dict[str, Any] | None = None,
        cache_expiration: float | None = None,
    ):
        super().__init__(message, result, timestamp)
        self.cached_inputs = cached_inputs
        self.cached_parameters = cached_parameters
        self.cache_expiration = cache_expiration


class Looped(Finished):
    """One iteration of a task that raised LOOP; it runs again with `result` as
    ``get_context().task_loop_result``. `loop_count` is 1 after the first iteration."""

    __slots__ = ("loop_count",)
    color = "#2dd4bf"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        loop_count: int = 1,
    ):
        super().__init__(message, result, timestamp)
        self.loop_count = loop_count


class Cancelled(Finished):
    """Stopped on purpose before it finished its work (neither a success nor a failure)."""

    __slots__ = ()
    color = "#6b7280"


class Failed(Finished):
    """Finished with an error; `exception` and `traceback` keep what went wrong."""

    __slots__ = ("exception", "traceback")
    color = "#ef4444"

    def __init__(
        self,
        message: str | None = None,
        result: Any = None,
        timestamp: float = 0.0,
        exception: BaseException | None = None,
        traceback: str | None = None,
    ):
        super().__init__(message, result, timestamp)
        self.exception = exception
        self.traceback = traceback


class TriggerFailed(Failed):
    """Never ran: its trigger was not met by the upstream states."""

    __slots__ = ()
    color = "#f97316"


class ValidationFailed(Failed):
    """Ran, but its result did not pass validation (a VALIDATIONFAIL signal)."""

    __slots__ = ()
    color = "#dc2626"


class TimedOut(Failed):
    """Ran longer than the task's timeout."""

    __slots__ = ()
    color = "#b91c1c"


ALL_STATES: tuple[type[State], ...] = (
    State, Pending, Scheduled, Retrying, Resume, Paused, Running, Finished,
    Success, Skipped, Mapped, Cached, Looped, Cancelled,
    Failed, TriggerFailed, ValidationFailed, TimedOut,
)
"""Every state class, the base first: for what must name them all, e.g. a colour legend."""
