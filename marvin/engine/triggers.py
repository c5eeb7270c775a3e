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
    "some_failed",
    "some_successful",
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


def _count_trigger(
    what: str, counts: Callable[[State], bool], at_least: float | None, at_most: float | None
) -> Trigger:
    """A trigger met when the number of upstream states `counts` accepts lies within
    [at_least, at_most]; a bound below 1 is a fraction of the upstream states (as in
    Prefect 1: 0.5 is half of them, 2 is two)."""

    def bound(value: float | None, total: int) -> float | None:
        return value * total if value is not None and value < 1 else value

    def trigger(upstream: Sequence[State]) -> bool:
        n, total = sum(1 for s in upstream if counts(s)), len(upstream)
        low, high = bound(at_least, total), bound(at_most, total)
        if (low is not None and n < low) or (high is not None and n > high):
            from marvin.engine.signals import TRIGGERFAIL

            raise TRIGGERFAIL(
                f"Trigger {trigger.__name__} was not met: {n} of {total} upstream {what}"
            )
        return True

    shown = ", ".join(
        f"{k}={v!r}" for k, v in (("at_least", at_least), ("at_most", at_most)) if v is not None
    )
    trigger.__name__ = f"some_{what}({shown})"
    return trigger


def some_failed(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """Run when the number of failed upstream runs is within bounds: a bound of 1 or
    more is a count, one below 1 a fraction (``some_failed(at_most=0.1)``: at most a
    tenth failed)."""
    return _count_trigger("failed", lambda s: s.is_failed(), at_least, at_most)


def some_successful(at_least: float | None = None, at_most: float | None = None) -> Trigger:
    """Run when the number of successful upstream runs is within bounds (as `some_failed`)."""
    return _count_trigger("successful", lambda s: s.is_successful(), at_least, at_most)
