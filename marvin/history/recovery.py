"""Runs whose process died: recorded as "Running" forever, unless someone says otherwise.

A `marvin run` killed with SIGKILL, or a container stopped mid-run, never records its
run's end. Each run names the process that ran it (`FlowRunRecord.runner`), so on the
same host such a run can be told from one still going, and closed as Failed with a
message that says what happened. Runs of other hosts are left alone: nothing here can
tell whether they are alive. `marvin serve` does this at start and hourly, and `marvin
run` and `marvin runs` do it before they start.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace

from marvin.store.base import StoreError
from marvin.store.liveness import is_dead_here, this_process
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord

log = logging.getLogger("marvin.history")

CRASHED = "crashed: the process running it ({runner}) died before the run ended"


def close_dead_runs(history: RunHistory, now: dt.datetime) -> list[FlowRunRecord]:
    """Mark as Failed every "Running" run whose process is known to be dead; returns them.

    Housekeeping, never the caller's main job: a store failure is logged, not raised."""
    closed = _close_runs(history, now, lambda run: bool(run.runner) and is_dead_here(run.runner),
                         lambda run: CRASHED.format(runner=run.runner), "whose process died")
    if closed:
        log.warning("closed %d run(s) whose process died: %s", len(closed),
                    ", ".join(r.id for r in closed))
    return closed


def close_own_runs(history: RunHistory, now: dt.datetime, why: str) -> list[FlowRunRecord]:
    """Mark as Failed, saying `why`, every "Running" run of this process: it is stopping
    before they end (shutdown). Never raises: a store failure is logged."""
    me = this_process()
    return _close_runs(history, now, lambda run: run.runner == me, lambda run: why,
                       "of this process")


def _close_runs(
    history: RunHistory, now: dt.datetime, which: Callable[[FlowRunRecord], bool],
    message: Callable[[FlowRunRecord], str], whose: str,
) -> list[FlowRunRecord]:
    closed: list[FlowRunRecord] = []
    try:
        for run in history.list_unfinished():
            if which(run):
                ended = replace(run, state="Failed", message=message(run), ended_at=now)
                history.save_flow_run(ended)
                closed.append(ended)
    except StoreError as exc:
        log.warning("could not close runs %s: %s", whose, exc)
    return closed
