"""Recent events, read back from the run history: what `marvin events` lists.

Two kinds, one list: each event a recorded run made (a Slack or store call, an event it
published such as ``slack.account_inactive``; its type is ``<system>.<method>``), and the
event that triggered each automation run (named by the run's parameters, so events from
Slack or a modal, published outside any run, are listed once they started something).

Read from the newest runs, both history backends alike (no query of its own): `scan` runs
at most, so a busy history lists the recent past, never a slow full scan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from marvin.domain.events import trigger_of
from marvin.store.run_history import RunHistory

SCAN_RUNS = 50
"""The newest runs read for events (each read is one run's events)."""


@dataclass(frozen=True)
class EventRow:
    at: dt.datetime
    type: str  # e.g. "slack.chat.postMessage", "slack.account_inactive"
    target: str
    outcome: str  # "ok", "error:<code>", "event:<id>" (published), "triggered"
    run_id: str  # the run that made it, or (outcome "triggered") the run it started


def matches(event_type: str, wanted: str | None) -> bool:
    """`wanted` names a type exactly or a family of them: ``slack`` or ``slack.chat``."""
    return wanted is None or event_type == wanted or event_type.startswith(wanted + ".")


def recent_events(
    history: RunHistory, *, event_type: str | None = None, limit: int = 50,
    scan: int = SCAN_RUNS,
) -> list[EventRow]:
    """The newest `limit` events of type `event_type` (or a family: `matches`), newest first."""
    rows: list[EventRow] = []
    for run in history.list_flow_runs(limit=scan):
        trigger = trigger_of(run.parameters)
        if trigger and run.started_at is not None:
            kind, _, event_id = trigger.partition(" ")
            if matches(kind, event_type):
                user = run.parameters.get("user")
                rows.append(EventRow(run.started_at, kind, str(user or event_id),
                                     "triggered", run.id))
        detail = history.get_run(run.id)
        for event in detail.events if detail is not None else ():
            kind = f"{event.system}.{event.method}"
            if matches(kind, event_type):
                rows.append(EventRow(event.at, kind, event.target, event.outcome, run.id))
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:max(limit, 0)]
