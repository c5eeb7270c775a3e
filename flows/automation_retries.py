"""Automations that claimed their event and then failed, run again (a bounded number of times).

An automation claims its event once (`flows.automations`), so without this a run that
failed after its claim (Slack answering 5xx, the store down, the process killed: the
crash recovery marks such a run Failed) would never be tried again. The scheduler's
automation pass (at start, then every few minutes) calls `retry_failed_automations`,
which reads each automation flow's runs of the last `RETRY_WINDOW` from the run history:

- an event with a run that did not fail (succeeded, skipped, still running) is done;
- an event whose runs all failed, fewer than `MAX_TRIES` of them, is run again with its
  last run's parameters, claimed as ``automation/<flow>/<event id>/try<n>`` in the store
  (`remember_request`: one winner across replicas, passes and restarts);
- an event that failed `MAX_TRIES` times is given up, once (claim ``.../gave-up``):
  logged as an error and recorded on its last run as an ``automation.gave_up`` event whose
  outcome gives the last failure (``marvin runs show RUN``).

What a retried run sends stays at most once: each notice is a delivery claim
(`marvin.delivery.outbox`), so a retry skips what was sent, or may have been, before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from flows.automations import CLAIM_KEPT, RULES, Rule, RunFlow
from marvin.engine import FlowRun
from marvin.store.base import Store
from marvin.store.run_history import RunHistory
from marvin.store.run_records import EventRecord, FlowRunRecord

log = logging.getLogger("marvin.automations")

MAX_TRIES = 3
"""Runs of one automation for one event, the first included, before it is given up."""
RETRY_WINDOW = dt.timedelta(days=1)
"""How far back the pass looks: an event that failed longer ago is left alone."""
RUNS_READ = 500
"""Runs read per automation flow and pass (newest first)."""
FAILED = "Failed"
GAVE_UP = "gave_up"
MAX_REASON = 300  # characters of the last failure kept in the gave-up record


def retry_failed_automations(
    history: RunHistory, store: Store, now: Callable[[], dt.datetime], run: RunFlow,
    rules: Iterable[Rule] = RULES,
) -> list[FlowRun]:
    """Run again each automation whose every run for its event failed, up to `MAX_TRIES`
    runs in all; give up (once, recorded) after that. The runs started. Never raises."""
    started: list[FlowRun] = []
    at = now()
    for flow in sorted({rule.flow for rule in rules}):
        try:
            runs = history.list_flow_runs(flow=flow, since=at - RETRY_WINDOW, limit=RUNS_READ)
        except Exception:  # the next pass reads again
            log.exception("%s: the runs to retry could not be read", flow)
            continue
        for event_id, tries in _failed_events(runs).items():
            try:
                again = _retry(history, store, at, run, flow, event_id, tries)
            except Exception:  # one event must not stop the others
                log.exception("%s for event %s: retry failed to start", flow, event_id)
                continue
            if again is not None:
                started.append(again)
    return started


def _failed_events(runs: list[FlowRunRecord]) -> dict[str, list[FlowRunRecord]]:
    """The events (by id) whose every run failed, each with its runs, newest first."""
    by_event: dict[str, list[FlowRunRecord]] = defaultdict(list)
    for record in runs:
        event_id = record.parameters.get("event_id")
        if isinstance(event_id, str) and event_id:  # a run by hand names no event
            by_event[event_id].append(record)
    return {event_id: tries for event_id, tries in by_event.items()
            if all(r.state == FAILED for r in tries)}


def _retry(
    history: RunHistory, store: Store, at: dt.datetime, run: RunFlow, flow: str,
    event_id: str, tries: list[FlowRunRecord],
) -> FlowRun | None:
    last = tries[0]
    base = f"automation/{flow}/{event_id}"
    if len(tries) >= MAX_TRIES:
        if store.remember_request(f"{base}/{GAVE_UP}", at, at + CLAIM_KEPT):
            reason = f"error:gave up after {len(tries)} tries: {last.message}"[:MAX_REASON]
            log.error("%s for event %s: %s", flow, event_id, reason)
            history.save_events([EventRecord(last.id, None, at, "automation", GAVE_UP,
                                             event_id, reason, 0.0)])
        return None
    if not store.remember_request(f"{base}/try{len(tries) + 1}", at, at + CLAIM_KEPT):
        return None  # another replica (or an earlier pass) started this try
    log.info("%s for event %s: try %d of %d", flow, event_id, len(tries) + 1, MAX_TRIES)
    return run(flow, dict(last.parameters))
