"""Marvin's embedded workflow engine: tasks, flows, states, mapping, triggers, schedules.

Example::

    from marvin.engine import Flow, Parameter, SKIP, task, unmapped

    @task
    def is_reminder_needed(member, updates):
        if member in updates:
            raise SKIP(f"{member} already posted")

    with Flow("reminder") as flow:
        ...
    run = flow.run()

The engine imports nothing from the rest of Marvin (nor Slack, nor Firestore): it is a
small, general library that Marvin's flows are written with.
"""

from __future__ import annotations

from marvin.engine.clock import Clock, FakeClock, SystemClock
from marvin.engine.context import TaskContext, get_context
from marvin.engine.executors import Executor, LocalExecutor, ThreadExecutor
from marvin.engine.flow import Edge, Flow, FlowValidationError
from marvin.engine.records import FlowRun, LogEntry, Recorder, TaskRun
from marvin.engine.signals import (
    FAIL,
    LOOP,
    PAUSE,
    RETRY,
    SKIP,
    SUCCESS,
    TRIGGERFAIL,
    VALIDATIONFAIL,
    Signal,
)
from marvin.engine.state import (
    ALL_STATES,
    Cached,
    Cancelled,
    Failed,
    Finished,
    Looped,
    Mapped,
    Paused,
    Pending,
    Resume,
    Retrying,
    Running,
    Scheduled,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
    ValidationFailed,
)
from marvin.engine.task import DateTimeParameter, Parameter, Task, task, unmapped
from marvin.engine.triggers import (
    all_failed,
    all_finished,
    all_successful,
    always_run,
    any_failed,
    any_successful,
    manual_only,
    not_all_skipped,
    some_failed,
    some_successful,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.control import apply_map, case, flatten, ifelse, merge, switch
    from marvin.engine.resources import resource_manager
    from marvin.engine.results import LocalResult, MemoryResult, Result
    from marvin.engine.schedules import CronClock, Schedule, ScheduledRun
    from marvin.engine.serializers import (
        CloudpickleSerializer,
        JSONSerializer,
        PickleSerializer,
        Serializer,
    )

__all__ = [
    "ALL_STATES",
    "FAIL",
    "LOOP",
    "PAUSE",
    "RETRY",
    "SKIP",
    "SUCCESS",
    "TRIGGERFAIL",
    "VALIDATIONFAIL",
    "Cached",
    "Cancelled",
    "Clock",
    "CloudpickleSerializer",
    "CronClock",
    "DateTimeParameter",
    "Edge",
    "Executor",
    "Failed",
    "FakeClock",
    "Finished",
    "Flow",
    "FlowRun",
    "FlowValidationError",
    "JSONSerializer",
    "LocalExecutor",
    "LocalResult",
    "LogEntry",
    "Looped",
    "Mapped",
    "MemoryResult",
    "Parameter",
    "Paused",
    "Pending",
    "PickleSerializer",
    "Recorder",
    "Result",
    "Resume",
    "Retrying",
    "Running",
    "Schedule",
    "Scheduled",
    "ScheduledRun",
    "Serializer",
    "Signal",
    "Skipped",
    "State",
    "Success",
    "SystemClock",
    "Task",
    "TaskContext",
    "TaskRun",
    "ThreadExecutor",
    "TimedOut",
    "TriggerFailed",
    "ValidationFailed",
    "all_failed",
    "all_finished",
    "all_successful",
    "always_run",
    "any_failed",
    "any_successful",
    "apply_map",
    "case",
    "flatten",
    "get_context",
    "ifelse",
    "manual_only",
    "merge",
    "not_all_skipped",
    "resource_manager",
    "some_failed",
    "some_successful",
    "switch",
    "task",
    "unmapped",
]


_LAZY = {
    **dict.fromkeys(("apply_map", "case", "flatten", "ifelse", "merge", "switch"), "control"),
    "resource_manager": "resources",
    **dict.fromkeys(("LocalResult", "MemoryResult", "Result"), "results"),
    **dict.fromkeys(
        ("CloudpickleSerializer", "JSONSerializer", "PickleSerializer", "Serializer"),
        "serializers",
    ),
}


def __getattr__(name: str) -> Any:
    # Schedules pull in pendulum/apscheduler; load them only when asked (import budget).
    if name in ("CronClock", "Schedule", "ScheduledRun"):
        from marvin.engine import schedules

        return getattr(schedules, name)
    module = _LAZY.get(name)
    if module is not None:  # loaded on first use
        import importlib

        return getattr(importlib.import_module(f"marvin.engine.{module}"), name)
    raise AttributeError(f"module 'marvin.engine' has no attribute {name!r}")
