"""Run-history retention: runs older than `MARVIN_RUN_RETENTION_DAYS` are deleted.

Run by the scheduler every hour (`FlowScheduler`) and by hand with `marvin runs prune`;
both go through `prune_runs`, so the two can never disagree about what "old" means.

Example::

    deleted = prune_runs(history, now=utc_now(), days=settings.run_retention_days)
"""

from __future__ import annotations

import datetime as dt

from marvin.store.run_history import RunHistory

__all__ = ["prune_runs", "retention_cutoff"]


def retention_cutoff(now: dt.datetime, days: int) -> dt.datetime:
    """The instant before which a run's start makes it old enough to delete.

    Raises:
        ValueError: `now` is naive (the store's times are aware), or `days` is below 1.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, got naive {now!r}")
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}")
    return now - dt.timedelta(days=days)


def prune_runs(history: RunHistory, now: dt.datetime, days: int) -> int:
    """Delete runs that started more than `days` days before `now`, with their task runs and
    events; returns how many flow runs were deleted."""
    return history.delete_runs_before(retention_cutoff(now, days))
