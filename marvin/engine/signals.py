"""Signals: exceptions a task raises to choose its own state.

Example::

    @task
    def is_reminder_needed(member, updates):
        if member in updates:
            raise SKIP(f"{member} already posted")

Each signal carries the state it stands for, so the runner turns ``raise SKIP("why")``
into ``Skipped("why")`` with one lookup and no special cases.
"""

from __future__ import annotations

from marvin.engine.state import (
    Failed,
    Looped,
    Paused,
    Retrying,
    Skipped,
    State,
    Success,
    TriggerFailed,
    ValidationFailed,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "Signal",
    "SKIP",
    "FAIL",
    "TRIGGERFAIL",
    "VALIDATIONFAIL",
    "SUCCESS",
    "RETRY",
    "PAUSE",
    "LOOP",
]


class Signal(Exception):
    """Base of all signals: a message and an optional result for the new state."""

    state_class: type[State] = State

    def __init__(self, message: str | None = None, *, result: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.result = result


class SKIP(Signal):
    """Stop here and mark the run Skipped; downstream tasks skip too (by default)."""

    state_class = Skipped


class FAIL(Signal):
    """Mark the run Failed on purpose, *without* retries: the task knows retrying cannot
    help (e.g. Slack said ``user_not_found``). Plain exceptions are the retryable kind."""

    state_class = Failed


class TRIGGERFAIL(FAIL):
    """Raised by a trigger to say why it was not met: the run ends TriggerFailed."""

    state_class = TriggerFailed


class VALIDATIONFAIL(FAIL):
    """The task ran but its result is not valid: the run ends ValidationFailed,
    without retries (as every FAIL)."""

    state_class = ValidationFailed


class SUCCESS(Signal):
    """Stop here and mark the run Success with `result`."""

    state_class = Success


class RETRY(Signal):
    """Ask for another attempt (honoured while the task has retries left)."""

    state_class = Retrying


class PAUSE(Signal):
    """Stop and wait for a person; the run ends Paused."""

    state_class = Paused


class LOOP(Signal):
    """Run the task again with `result` as ``get_context().task_loop_result``: a loop
    whose iterations are states of one task run (Looped), not new tasks in the graph."""

    state_class = Looped
