"""An answer from Slack that cannot prove a message is absent leaves it UNKNOWN: nothing
is sent blindly, the run fails saying why (and alerts), and the claim waits for a re-run.

Each case is a reminder whose earlier attempt died after claiming (a stale claim, taken
over), so the re-run must ask Slack's history before sending.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from flows.reminder import flow as reminder_flow
from flows.services import Services, use_services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import RESUMABLE
from marvin.domain.models import DeliveryKind
from marvin.engine import FakeClock, FlowRun, LocalExecutor, TaskRun
from marvin.slack.client import SlackWebChat
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import DATE, REMINDER_AT, TEAM, TOKEN, MakeServices, add_members

REMINDER = DeliveryKind.REMINDER
USER = "U0001"
KEY = str(DeliveryKey.reminder(TEAM, DATE, USER))
CRASHED_AT = REMINDER_AT - dt.timedelta(minutes=10)  # older than the 300 s lease


def killed_mid_send(store: Store) -> None:
    add_members(store, (USER,))
    store.claim_delivery(DeliveryKey.reminder(TEAM, DATE, USER), CRASHED_AT, "otherhost:1:1")


def run(services: Services) -> FlowRun:
    with use_services(services):  # the engine's retry delays pass without sleeping
        return reminder_flow.run({"team": TEAM}, executor=LocalExecutor(), clock=FakeClock())


def reminder_of(flow_run: FlowRun) -> TaskRun:
    [reminder] = flow_run.task_run("send_reminder").children or []
    return reminder


def dms(standin: SlackStandIn) -> int:
    return len(standin.posted_messages(f"D{USER}"))


def assert_unknown_and_unsent(
    flow_run: FlowRun, store: Store, standin: SlackStandIn, why: str
) -> None:
    failed = reminder_of(flow_run)
    assert failed.state.is_failed()
    message = str(failed.state.message)
    assert f"could not remind {USER}: not sent again, because Slack cannot tell" in message
    assert why in message
    assert flow_run.state.is_failed()
    assert dms(standin) == 0  # never re-sent blindly
    [alert] = standin.posted_messages("#alerts")
    assert USER in alert["text"] and why in alert["text"]
    [claim] = store.list_deliveries(TEAM, DATE)
    assert not claim.sent and claim.detail.startswith(RESUMABLE)  # a re-run asks again


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"ok": True}, "no messages"),
        ({"ok": True, "messages": [], "has_more": True}, "gave no cursor"),
    ],
    ids=["an_answer_without_messages", "more_history_without_a_cursor"],
)
def test_a_history_answer_that_cannot_tell_is_unknown(
    answer: dict[str, Any],
    why: str,
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
) -> None:
    killed_mid_send(store)
    standin.reply_next("conversations.history", answer, times=10)

    flow_run = run(make_services(alert_channel="#alerts"))

    assert_unknown_and_unsent(flow_run, store, standin, why)


def test_an_unreadable_dm_fails_at_once_and_the_fixed_rerun_sends_once(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    killed_mid_send(store)
    standin.world.revoke_scope("im:history")
    services = make_services(alert_channel="#alerts")

    flow_run = run(services)

    assert_unknown_and_unsent(flow_run, store, standin, "missing_scope")
    assert len(standin.calls_to("conversations.history")) == 1  # permanent: no retries

    standin.world.set_scopes([*standin.world.granted, "im:history"])
    again = run(services)

    assert again.state.is_successful(), again.state
    assert dms(standin) == 1
    assert store.list_deliveries(TEAM, DATE)[0].sent


def test_a_message_slack_returns_counts_whatever_its_ts(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    """Slack filtered by ``oldest`` with its own clock: an old-looking ts is still ours."""
    killed_mid_send(store)
    metadata: dict[str, Any] = {"event_type": "marvin_delivery", "event_payload": {"key": KEY}}
    standin.reply_next("conversations.history", {
        "ok": True, "has_more": False,
        "messages": [{"type": "message", "ts": "1000000000.000100", "metadata": metadata}],
    })

    flow_run = run(make_services())

    assert flow_run.state.is_successful(), flow_run.state
    assert dms(standin) == 0
    [history] = standin.calls_to("conversations.history")
    assert float(history.params["oldest"]) == CRASHED_AT.timestamp() - 600
    assert store.list_deliveries(TEAM, DATE)[0].sent


def test_a_timed_out_dm_whose_history_is_unreadable_is_not_sent_again(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store, (USER,))
    standin.set_latency(0.5, "chat.postMessage")  # Slack takes it; the answer comes too late
    standin.world.revoke_scope("im:history")
    slow = SlackWebChat(TOKEN, standin.url, timeout=0.25, max_retries=0)

    flow_run = run(make_services(chat=slow, alert_channel="#alerts"))

    assert flow_run.state.is_failed()
    assert dms(standin) == 1  # the one Slack took; never a second
    failed = reminder_of(flow_run)
    assert "cannot tell whether it already went out" in str(failed.state.message)
    [claim] = store.list_deliveries(TEAM, DATE)
    assert not claim.sent and claim.detail.startswith(RESUMABLE)


def test_a_take_over_that_fails_before_asking_slack_keeps_the_claim_handed_over(
    store: Store, standin: SlackStandIn, chat: SlackWebChat, make_services: MakeServices
) -> None:
    """The dead attempt's DM is in Slack. The take-over cannot even open the DM (503s past
    every retry): had it given the claim back, the next run would claim afresh and post
    without asking Slack."""
    killed_mid_send(store)
    chat.post_message(chat.open_dm(USER), "reminder", key=KEY)
    standin.fail_next("conversations.open", 30, status=503)

    first = run(make_services())

    assert first.state.is_failed()
    [claim] = store.list_deliveries(TEAM, DATE)
    assert not claim.sent and claim.detail.startswith(RESUMABLE)

    standin.reset_faults()
    again = run(make_services())

    assert again.state.is_successful(), again.state
    assert dms(standin) == 1  # found in Slack, never posted twice
    assert store.list_deliveries(TEAM, DATE)[0].sent
