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
from marvin.engine.signals import FAIL, PAUSE, RETRY, SKIP, SUCCESS, Signal
from marvin.engine.state import (
    ALL_STATES,
    Failed,
    Finished,
    Mapped,
    Paused,
    Pending,
    Retrying,
    Running,
    Scheduled,
    Skipped,
    State,
    Success,
    TimedOut,
    TriggerFailed,
)
from marvin.engine.task import Parameter, Task, task, unmapped
from marvin.engine.triggers import (
    all_failed,
    all_finished,
    all_successful,
    always_run,
    any_failed,
    any_successful,
    manual_only,
    not_all_skipped,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from marvin.engine.control import case, merge
    from marvin.engine.schedules import CronClock, Schedule, ScheduledRun

__all__ = [
    "ALL_STATES",
    "FAIL",
    "PAUSE",
    "RETRY",
    "SKIP",
    "SUCCESS",
    "Clock",
    "CronClock",
    "Edge",
    "Executor",
    "Failed",
    "FakeClock",
    "Finished",
    "Flow",
    "FlowRun",
    "FlowValidationError",
    "LocalExecutor",
    "LogEntry",
    "Mapped",
    "Parameter",
    "Paused",
    "Pending",
    "Recorder",
    "Retrying",
    "Running",
    "Schedule",
    "ScheduledRun",
    "Scheduled",
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
    "all_failed",
    "all_finished",
    "all_successful",
    "always_run",
    "any_failed",
    "any_successful",
    "case",
    "get_context",
    "manual_only",
    "merge",
    "not_all_skipped",
    "task",
    "unmapped",
]


def __getattr__(name: str) -> Any:
    # Schedules pull in pendulum/apscheduler; load them only when asked (import budget).
    if name in ("CronClock", "Schedule", "ScheduledRun"):
        from marvin.engine import schedules

        return getattr(schedules, name)
    if name in ("case", "merge"):  # conditional logic: loaded on first use
        from marvin.engine import control

        return getattr(control, name)
    raise AttributeError(f"module 'marvin.engine' has no attribute {name!r}")
