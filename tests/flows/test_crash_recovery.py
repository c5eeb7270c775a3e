"""A process that died between claiming a delivery and completing it loses nothing and
repeats nothing: the next run takes over the stale claim and asks Slack (by the
delivery key in the message metadata) whether the message already went out.
"""

from __future__ import annotations

import datetime as dt

from flows.delivery import delivery_key
from marvin.composition import run_flow
from marvin.engine import LocalExecutor
from marvin.models import DeliveryKind
from marvin.slack.client import SlackWebChat
from marvin.store import Store
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
    store.claim_delivery(REMINDER, TEAM, DATE, "U0001", crashed_at)
    chat.post_message(chat.open_dm("U0001"), "reminder", key=delivery_key(
        REMINDER, TEAM, DATE, "U0001"))
    # U0002: claimed, killed before posting
    store.claim_delivery(REMINDER, TEAM, DATE, "U0002", crashed_at)
    # U0003: claimed a moment ago by a run that is still alive (a replica, mid-send)
    store.claim_delivery(REMINDER, TEAM, DATE, "U0003", REMINDER_AT - dt.timedelta(seconds=5))

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
