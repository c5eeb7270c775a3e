"""Triggers: plain functions deciding if a task may run, given its upstream states.

Example::

    @task(trigger=any_failed)
    def alert(): ...

A trigger takes the upstream states (mapped parents contribute every child) and returns
True to run, False to end in TriggerFailed. Functions rather than classes: they are the
easiest thing to write, test and reason about, and the runner calls one per task run.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from marvin.engine.state import State

    Trigger = Callable[[Sequence[State]], bool]

__all__ = [
    "all_successful",
    "all_finished",
    "always_run",
    "any_successful",
    "any_failed",
    "all_failed",
    "manual_only",
    "not_all_skipped",
]


def all_successful(upstream: Sequence[State]) -> bool:
    """Run when every upstream succeeded (Skipped counts as success). The default."""
    return all(s.is_successful() for s in upstream)


def all_finished(upstream: Sequence[State]) -> bool:
    """Run when every upstream finished, whatever the outcome: cleanup and reports."""
    return all(s.is_finished() for s in upstream)


always_run = all_finished
"""Alias of `all_finished`: run no matter what happened upstream."""


def any_successful(upstream: Sequence[State]) -> bool:
    """Run when at least one upstream succeeded (or there are none)."""
    return not upstream or any(s.is_successful() for s in upstream)


def any_failed(upstream: Sequence[State]) -> bool:
    """Run when at least one upstream failed (or there are none): alerts."""
    return not upstream or any(s.is_failed() for s in upstream)


def all_failed(upstream: Sequence[State]) -> bool:
    """Run only when every upstream failed: fallbacks."""
    return all(s.is_failed() for s in upstream)


def manual_only(upstream: Sequence[State]) -> bool:
    """Never run by itself: the runner pauses the task unless the run resumes it."""
    return False


def not_all_skipped(upstream: Sequence[State]) -> bool:
    """Run when every upstream succeeded and at least one did real work: `merge` after
    `case` branches. When all of them skipped, SKIP too (as Prefect 1 does): nothing ran,
    so nothing failed."""
    if upstream and all(s.is_skipped() for s in upstream):
        from marvin.engine.signals import SKIP

        raise SKIP("All upstream tasks were skipped")
    return all(s.is_successful() for s in upstream)
