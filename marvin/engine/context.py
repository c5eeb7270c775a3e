"""Context: what a task can learn about the run it is in, and which flow is being built.

Example::

    @task
    def send_reminder(member):
        ctx = get_context()
        ctx.logger.info("reminding %s (child %s)", member, ctx.map_index)

Two context variables, both set by the engine: the flow being built inside
``with Flow(...)`` (so calling a task adds it to that flow), and the task run being
executed (so a task can read ids, parameters and a logger whose records are kept on
its run). The run context is built lazily: most tasks never ask, and the runner only
pays for setting one variable per task run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.flow import Flow
    from marvin.engine.logs import TaskRunLogger
    from marvin.engine.records import TaskRun

__all__ = ["TaskContext", "bind", "get_context"]

T = TypeVar("T")

building_flow: ContextVar[Flow | None] = ContextVar("marvin_building_flow", default=None)
current_task_run: ContextVar[TaskRun | None] = ContextVar("marvin_task_run", default=None)


@contextmanager
def bind(var: ContextVar[T | None], value: T) -> Iterator[T]:
    """Set `var` to `value` inside the block; after it (even on error) `var` is as before.

    How code above the engine hands its own run-wide values (a run's services, its
    recorder) to every task run started inside the block, as the engine does its own."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)


class TaskContext:
    """A read-only view of the current task run, for code inside a task."""

    __slots__ = ("_task_run", "_logger")

    def __init__(self, task_run: TaskRun) -> None:
        self._task_run = task_run
        self._logger: TaskRunLogger | None = None

    @property
    def flow_run_id(self) -> str:
        return self._task_run.flow_run.id

    @property
    def flow_name(self) -> str:
        return self._task_run.flow_run.flow_name

    @property
    def task_run_id(self) -> str:
        return self._task_run.id

    @property
    def task_name(self) -> str:
        return self._task_run.task.name

    @property
    def map_index(self) -> int | None:
        return self._task_run.map_index

    @property
    def run_count(self) -> int:
        """1 on the first attempt, 2 on the first retry, ..."""
        return self._task_run.run_count

    @property
    def task_loop_result(self) -> Any:
        """What the previous iteration passed to LOOP(result=...); None on the first."""
        loop = self._last_loop()
        return None if loop is None else loop.result

    @property
    def task_loop_count(self) -> int:
        """1 on the first iteration of a looping task, 2 after one LOOP, ..."""
        loop = self._last_loop()
        return 1 if loop is None else loop.loop_count + 1

    def _last_loop(self) -> Any:
        for state in reversed(self._task_run.history):
            if state.is_looped():
                return state
        return None

    @property
    def resume(self) -> bool:
        """Whether a person resumed this run (a task that PAUSEd may now go on)."""
        return any(state.name == "Resume" for state in self._task_run.history)

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._task_run.flow_run.parameters)

    @property
    def scheduled_start_time(self) -> Any:
        """When the run was meant to start (pendulum DateTime, UTC), or None off-schedule."""
        ts = self._task_run.flow_run.scheduled_start_time
        if ts is None:
            return None
        import pendulum

        return pendulum.from_timestamp(ts)

    @property
    def logger(self) -> TaskRunLogger:
        if self._logger is None:
            from marvin.engine.logs import TaskRunLogger

            self._logger = TaskRunLogger(self._task_run)
        return self._logger


def get_context() -> TaskContext:
    """The context of the task run executing now.

    Raises:
        RuntimeError: outside a task run (e.g. when calling ``task.fn`` in a unit test).
    """
    task_run = current_task_run.get()
    if task_run is None:
        raise RuntimeError("get_context() is only available inside a running task")
    return TaskContext(task_run)
