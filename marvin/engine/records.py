"""Run records: what a flow run leaves behind, and the hook that can persist it.

Example::

    run = flow.run(parameters={"standup_channel": "#testing"})
    for task_run in run.all_task_runs():
        print(task_run.id, task_run.state, task_run.logs)

The engine keeps every task run (mapped children included) in memory and tells an
optional `Recorder` as runs start and finish; it never stores anything itself, so a
history store lives outside the engine (e.g. `marvin.store`).
"""

from __future__ import annotations

import time

from marvin.engine.state import Pending, State

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Protocol

    from marvin.engine.clock import Clock
    from marvin.engine.task import Task
else:  # a plain base class at run time: importing `typing` costs more than the engine
    Protocol = object

__all__ = ["LogEntry", "TaskRun", "FlowRun", "Recorder"]

_LEVEL_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


class LogEntry:
    """One log record kept on a task run."""

    __slots__ = ("timestamp", "level", "message")

    def __init__(self, timestamp: float, level: str, message: str) -> None:
        self.timestamp = timestamp
        self.level = level
        self.message = message

    def __repr__(self) -> str:
        return f"LogEntry({self.timestamp!r}, {self.level!r}, {self.message!r})"


class TaskRun:
    """One run of one task (or of one mapped child): its states, result and logs."""

    __slots__ = (
        "task",
        "map_index",
        "flow_run",
        "state",
        "history",
        "logs",
        "run_count",
        "children",
        "run_name",
        "carried_back",
    )

    def __init__(self, task: Task, map_index: int | None, flow_run: FlowRun) -> None:
        self.task = task
        self.map_index = map_index
        self.flow_run = flow_run
        self.state: State = _PENDING
        self.history: list[State] = []
        self.logs: list[LogEntry] = []
        self.run_count = 0
        self.children: list[TaskRun] | None = None
        self.run_name: str | None = None  # from the task's `task_run_name`, if it has one
        # What the run's `Carried` collected on a remote worker, until the runner hands
        # it over in the flow's process (`marvin.engine.carried`).
        self.carried_back: Any = None

    @property
    def id(self) -> str:
        """Unique within the flow run's id space: ``<flow run id>/<task slug>[index]``."""
        base = f"{self.flow_run.id}/{self.task.slug}"
        return base if self.map_index is None else f"{base}[{self.map_index}]"

    @property
    def name(self) -> str:
        if self.run_name is not None:
            return self.run_name
        return self.task.name if self.map_index is None else f"{self.task.name}[{self.map_index}]"

    @property
    def result(self) -> Any:
        return self.state.result

    @property
    def start_time(self) -> float | None:
        """When it first started running (epoch seconds), None if it never ran."""
        for state in self.history:
            if state.is_running():
                return state.timestamp
        return None

    @property
    def end_time(self) -> float | None:
        return self.state.timestamp if self.state.is_finished() else None

    def add_log(self, level: int, message: str) -> None:
        """Keep a log line, stamped by the run's clock (deterministic under FakeClock)."""
        clock = self.flow_run.clock
        now = clock.now() if clock is not None else time.time()
        self.logs.append(LogEntry(now, _LEVEL_NAMES.get(level, str(level)), message))

    def __repr__(self) -> str:
        return f"<TaskRun {self.name}: {self.state!r}>"


_PENDING = Pending("Not started")


class FlowRun:
    """One run of a flow: parameters, times, state and every task run."""

    __slots__ = (
        "id",
        "flow_name",
        "flow_version",
        "parameters",
        "scheduled_start_time",
        "start_time",
        "end_time",
        "state",
        "task_runs",
        "history",
        "clock",
    )

    def __init__(
        self,
        id: str,
        flow_name: str,
        flow_version: str,
        parameters: dict[str, Any],
        scheduled_start_time: float | None,
    ) -> None:
        self.id = id
        self.flow_name = flow_name
        self.flow_version = flow_version
        self.parameters = parameters
        self.scheduled_start_time = scheduled_start_time
        self.start_time: float | None = None
        self.end_time: float | None = None
        self.state: State = _PENDING
        self.task_runs: list[TaskRun] = []  # one per task (mapped parents), in run order
        self.history: list[State] = []
        self.clock: Clock | None = None  # the run's clock, for log timestamps

    def task_run(self, task: Task | str) -> TaskRun:
        """The (parent) task run of a task, by object or slug."""
        for run in self.task_runs:
            if run.task is task or run.task.slug == task:
                return run
        raise KeyError(f"no task run for {task!r} in flow run {self.id}")

    def result(self, task: Task | str) -> Any:
        """A task's result; for a mapped task, the list of its children's results."""
        run = self.task_run(task)
        if run.children is not None:
            return [child.state.result for child in run.children]
        return run.state.result

    def all_task_runs(self) -> Iterator[TaskRun]:
        """Every task run: each parent followed by its mapped children."""
        for run in self.task_runs:
            yield run
            if run.children:
                yield from run.children

    def __repr__(self) -> str:
        return f"<FlowRun {self.flow_name} {self.id}: {self.state!r}>"


class Recorder(Protocol):
    """Persists runs as they happen (e.g. into Marvin's store). Must be thread-safe."""

    def flow_run_started(self, run: FlowRun) -> None: ...

    def task_run_finished(self, run: TaskRun) -> None: ...

    def flow_run_finished(self, run: FlowRun) -> None: ...
