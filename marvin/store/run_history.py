"""The `RunHistory` protocol: where flow runs, task runs and events are kept.

Implemented next to each store backend (`marvin.store.sqlite.history`,
`marvin.store.firestore.history`); one contract suite runs on both.

Across the protocol: naive datetimes raise ValueError, an unreachable backend raises
`marvin.store.StoreError`, and parameters and graphs must be JSON-compatible (tuples come
back as lists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from marvin.store.run_records import EventRecord, FlowRunRecord, RunDetail, TaskRunRecord


@runtime_checkable
class RunHistory(Protocol):
    def save_flow_run(self, run: FlowRunRecord) -> None:
        """Create or replace a flow run's header (written at start and again at the end)."""

    def save_task_runs(self, runs: Sequence[TaskRunRecord]) -> None:
        """Create or replace task runs, in one batch (thousands at a time).

        A task run is identified by (flow_run_id, position); two records with the same
        key in one call raise ValueError."""

    def save_events(self, events: Sequence[EventRecord]) -> None:
        """Append events, in one batch."""

    def list_flow_runs(
        self, *, flow: str | None = None, limit: int = 20, since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[FlowRunRecord]:
        """Newest first (by started_at, then id; never-started runs last), optionally one
        flow's, started from `since` to `until` (inclusive; a bound excludes runs never
        started), at most `limit` (`limit <= 0` gives [])."""

    def list_unfinished(self) -> list[FlowRunRecord]:
        """Runs recorded as "Running" (started, never ended), newest first."""

    def get_run(self, run_id: str) -> RunDetail | None:
        """A run with its task runs (by `position`) and events (in time order).

        `run_id` is an exact id (any length) or a prefix of at least 6 characters; None
        when nothing matches. Raises ValueError when a prefix matches several runs."""

    def delete_runs_before(self, cutoff: dt.datetime) -> int:
        """Delete runs that started before `cutoff` (with their task runs and events);
        returns how many flow runs were deleted."""

    def close(self) -> None:
        """Release connections."""
