"""A process that died between claiming a delivery and completing it loses nothing and
repeats nothing: the next run takes over the stale claim and asks Slack (by the
delivery key in the message metadata) whether the message already went out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest

from flows.reminder import flow as reminder_flow
from flows.services import use_services
from marvin.app import run_flow
from marvin.delivery.owners import claim_owner
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DeliveryKind
from marvin.engine import FakeClock, LocalExecutor
from marvin.slack.client import SlackWebChat
from marvin.store import Store, StoreError
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import DATE, REMINDER_AT, TEAM, FixedClock, MakeServices, add_members

REMINDER = DeliveryKind.REMINDER


def dm_posts(standin: SlackStandIn, user: str) -> int:
    return len(standin.posted_messages(f"D{user}"))


def test_a_dead_runs_claims_are_taken_over_without_repeats_or_losses(
    store: Store, standin: SlackStandIn, chat: SlackWebChat, make_services: MakeServices,
    clock: FixedClock,
) -> None:
    add_members(store, ("U0001", "U0002", "U0003", "U0004"))
    crashed_at = REMINDER_AT - dt.timedelta(minutes=10)
    # What a run killed mid-way leaves behind:
    # U0001: claimed, DM posted, killed before completing the claim
    posted = DeliveryKey.reminder(TEAM, DATE, "U0001")
    store.claim_delivery(posted, crashed_at)
    chat.post_message(chat.open_dm("U0001"), "reminder", key=str(posted))
    # U0002: claimed, killed before posting
    store.claim_delivery(DeliveryKey.reminder(TEAM, DATE, "U0002"), crashed_at)
    # U0003: claimed a moment ago by a run that is still alive (a replica, mid-send)
    a_moment_ago = REMINDER_AT - dt.timedelta(seconds=5)
    store.claim_delivery(DeliveryKey.reminder(TEAM, DATE, "U0003"), a_moment_ago)

    run = run_flow("reminder", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert dm_posts(standin, "U0001") == 1  # found in Slack: not sent again
    assert dm_posts(standin, "U0002") == 1  # taken over and sent: not lost
    assert dm_posts(standin, "U0003") == 0  # a live claim is left to its owner
    assert dm_posts(standin, "U0004") == 1  # untouched: reminded as usual
    sent = {d.target: d.sent for d in store.list_deliveries(TEAM, DATE)}
    assert sent == {"U0001": True, "U0002": True, "U0003": False, "U0004": True}

    clock.at = REMINDER_AT + dt.timedelta(minutes=10)  # the replica died too, it turns out
    again = run_flow("reminder", {"team": TEAM}, make_services(), executor=LocalExecutor())
    assert again.state.is_successful(), again.state
    assert [dm_posts(standin, u) for u in ("U0001", "U0002", "U0003", "U0004")] == [1, 1, 1, 1]


def test_a_timed_out_post_that_slack_accepted_counts_as_sent(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store, ("U0001",))
    slow = SlackWebChat("xoxb-flows-test-token", standin.url, timeout=0.25, max_retries=0)
    standin.set_latency(0.6, "chat.postMessage")  # Slack accepts, the answer comes too late

    run = run_flow("reminder", {"team": TEAM}, make_services(chat=slow), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert dm_posts(standin, "U0001") == 1
    (delivery,) = store.list_deliveries(TEAM, DATE)
    assert delivery.sent and delivery.detail  # the ts found in Slack


class AnswerLost:
    """A Store whose next call to `method` is applied, and then fails as if its answer had
    been lost on the way back (what DEADLINE_EXCEEDED after a commit means)."""

    def __init__(self, inner: Store, method: str) -> None:
        self.inner, self.method, self.lost = inner, method, 0

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name != self.method:
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if not self.lost:
                self.lost += 1
                raise StoreError(f"{name}: the answer was lost (injected)")
            return result

        return call


@pytest.mark.parametrize("method", ["claim_delivery", "complete_delivery"])
def test_a_retry_takes_over_its_own_claim_when_the_stores_answer_was_lost(
    store: Store, standin: SlackStandIn, make_services: MakeServices, method: str
) -> None:
    """claim_delivery: the claim exists, the task saw an error before sending.
    complete_delivery: the DM went out, the task saw an error after sending.
    Either way the task's retry takes over its own claim at once (no lease to wait out),
    asks Slack, and the member gets exactly one DM; the delivery ends up sent."""
    add_members(store, ("U0001", "U0002"))
    lossy = AnswerLost(store, method)

    with use_services(make_services(store=cast(Store, lossy))):
        run = reminder_flow.run({"team": TEAM}, executor=LocalExecutor(), clock=FakeClock())

    assert lossy.lost == 1
    assert run.state.is_successful(), run.state
    retried = [c for c in run.task_run("send_reminder").children or [] if c.run_count == 2]
    assert len(retried) == 1
    assert [dm_posts(standin, u) for u in ("U0001", "U0002")] == [1, 1]
    assert all(d.sent for d in store.list_deliveries(TEAM, DATE))


def test_another_runs_claim_in_this_process_is_not_taken_over_before_the_lease(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    """Only a task run's own claims are taken over at once: a live claim of another run
    (say the scheduled run, while someone runs it by hand) is left to it."""
    add_members(store, ("U0001",))
    other = claim_owner("another-run/send_reminder[0]")
    store.claim_delivery(DeliveryKey.reminder(TEAM, DATE, "U0001"), REMINDER_AT, other)

    with use_services(make_services()):
        run = reminder_flow.run({"team": TEAM}, executor=LocalExecutor(), clock=FakeClock())

    assert run.state.is_successful(), run.state
    assert dm_posts(standin, "U0001") == 0
    (delivery,) = store.list_deliveries(TEAM, DATE)
    assert not delivery.sent and delivery.detail == other
