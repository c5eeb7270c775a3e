"""The nudge flow end to end: real store (SQLite and Firestore), real Slack client, stand-in.

Four members on the default team (standup 09:00 UTC); the clock is at 08:45 on Monday.
U0002 has posted, U0003 pressed "Skip today", U0004 turned nudges off: only U0001 is
nudged, once, whatever is retried, re-run or run twice at once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import cast

import pytest

from flows.nudge import flow as nudge_flow
from flows.services import use_services
from marvin.app import run_flow
from marvin.domain.models import DeliveryKind
from marvin.engine import FakeClock, LocalExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    REMINDER_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    post_update,
)
from tests.flows.test_crash_recovery import AnswerLost
from tests.flows.test_two_replicas import run_together, two_replicas

NUDGE_AT = dt.datetime(2026, 6, 8, 8, 45, tzinfo=dt.UTC)
NUDGE = DeliveryKind.NUDGE


def seed(store: Store) -> None:
    add_members(store)
    post_update(store, "U0002", "Yesterday: reviews. Today: the release.")
    store.set_skipped(TEAM, DATE, "U0003", True, REMINDER_AT)
    store.set_nudges("U0004", False)


def nudged(store: Store) -> list[str]:
    return [d.target for d in store.list_deliveries(TEAM, DATE) if d.kind is NUDGE and d.sent]


def test_only_who_still_has_to_post_and_wants_nudges_is_nudged(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    seed(store)
    clock.at = NUDGE_AT

    run = run_flow("nudge", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert run.task_run("report").result == "1 nudge(s) sent, 3 not needed"
    (message,) = standin.posted_messages()
    assert message["channel"] == "DU0001"
    assert "your update is still missing" in str(message["text"])
    assert nudged(store) == ["U0001"]


def test_a_nudge_and_a_reminder_are_each_sent_once(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    add_members(store, ("U0001",))
    for at, flow in ((REMINDER_AT, "reminder"), (NUDGE_AT, "nudge"), (NUDGE_AT, "nudge"),
                     (REMINDER_AT, "reminder")):
        clock.at = at
        assert run_flow(flow, {"team": TEAM}, make_services(),
                        executor=LocalExecutor()).state.is_successful()

    kinds = sorted(d.kind.value for d in store.list_deliveries(TEAM, DATE) if d.sent)
    assert kinds == ["nudge", "reminder"]
    assert len(standin.posted_messages("DU0001")) == 2


@pytest.mark.parametrize("method", ["claim_delivery", "complete_delivery"])
def test_a_nudge_is_sent_once_after_a_retry(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
    method: str,
) -> None:
    """The store's answer to the claim (before the send) or to its completion (after) is
    lost: the task fails, its retry takes over its own claim, asks Slack, and the member
    has exactly one nudge; a later re-run sends nothing either."""
    seed(store)
    clock.at = NUDGE_AT
    lossy = AnswerLost(store, method)

    with use_services(make_services(store=cast(Store, lossy))):
        run = nudge_flow.run({"team": TEAM}, executor=LocalExecutor(), clock=FakeClock())

    assert lossy.lost == 1
    assert run.state.is_successful(), run.state
    retried = [c for c in run.task_run("send_nudge").children or [] if c.run_count == 2]
    assert len(retried) == 1
    assert len(standin.posted_messages("DU0001")) == 1
    assert nudged(store) == ["U0001"]

    again = run_flow("nudge", {"team": TEAM}, make_services(), executor=LocalExecutor())
    assert again.state.is_successful(), again.state
    assert len(standin.posted_messages("DU0001")) == 1


def test_two_replicas_nudge_each_member_once_in_total(
    open_store_again: Callable[[], Store],
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
    clock: FixedClock,
) -> None:
    members = tuple(f"U{3000 + i}" for i in range(8))
    add_members(store, members)
    clock.at = NUDGE_AT
    replicas = two_replicas(open_store_again, standin, make_services)

    runs = run_together("nudge", {"team": TEAM}, replicas)

    assert all(run.state.is_successful() for run in runs), [run.state for run in runs]
    per_dm = Counter(str(m["channel"]) for m in standin.posted_messages())
    assert per_dm == Counter({f"D{user_id}": 1 for user_id in members})
    assert nudged(store) == list(members)
