"""Automations: which flow an event starts (`RULES`), and starting each at most once.

Declarative, like the flows' schedules: one row per rule, an event type and a flow::

    Rule(ACCOUNT_INACTIVE, MEMBER_INACTIVE_FLOW)   # mark inactive, tell the admins

`run_automations` is called with the events a run published, after that run has ended
(`marvin.app.run_flow`), or with one event published outside a run (a Slack event, a
modal submission) on the process's automation worker. For each rule an event matches it
claims ``automation/<flow>/<event id>`` in the store (`Store.remember_request`: one winner
across replicas) and, if it won, runs the flow with the event as its parameters, so the
run's record names the event that caused it. A lost claim, a failed claim or a failed
automation is logged; it never fails the run that published the event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from marvin.domain.events import (
    ACCOUNT_ACTIVE,
    ACCOUNT_INACTIVE,
    BLOCKER_REPORTED,
    MEMBER_JOINED,
    Event,
)
from marvin.domain.run_names import (
    ESCALATE_BLOCKER_FLOW,
    LEARN_ZONE_FLOW,
    MEMBER_ACTIVE_FLOW,
    MEMBER_INACTIVE_FLOW,
)
from marvin.engine import FlowRun
from marvin.store.base import Store

log = logging.getLogger("marvin.automations")

CLAIM_KEPT = dt.timedelta(days=400)
"""How long an automation's claim on an event is kept: longer than any run history is."""


@dataclass(frozen=True)
class Rule:
    """When an event of type `event` is published, run the flow `flow` for it."""

    event: str
    flow: str


RULES: tuple[Rule, ...] = (
    Rule(ACCOUNT_INACTIVE, MEMBER_INACTIVE_FLOW),
    Rule(ACCOUNT_ACTIVE, MEMBER_ACTIVE_FLOW),
    Rule(BLOCKER_REPORTED, ESCALATE_BLOCKER_FLOW),
    Rule(MEMBER_JOINED, LEARN_ZONE_FLOW),
)

RunFlow = Callable[[str, dict[str, object]], FlowRun]


def claim_key(rule: Rule, event: Event) -> str:
    return f"automation/{rule.flow}/{event.id}"


def run_automations(
    events: Iterable[Event], store: Store, now: Callable[[], dt.datetime], run: RunFlow,
    rules: tuple[Rule, ...] = RULES,
) -> list[FlowRun]:
    """Run each rule's flow once per matching event; the runs that were started."""
    runs: list[FlowRun] = []
    for event in events:
        for rule in (r for r in rules if r.event == event.type):
            try:
                at = now()
                if not store.remember_request(claim_key(rule, event), at, at + CLAIM_KEPT):
                    log.info("%s for %s %s: already run", rule.flow, event.type, event.id)
                    continue
                started = run(rule.flow, event.as_parameters())
            except Exception:  # an automation must never fail what published the event
                log.exception("%s for %s %s could not run", rule.flow, event.type, event.id)
                continue
            log.info("%s for %s %s: %s", rule.flow, event.type, event.id, started.state)
            runs.append(started)
    return runs
