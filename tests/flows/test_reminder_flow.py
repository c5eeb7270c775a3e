"""The reminder flow end to end: real store (SQLite and Firestore), real Slack client, stand-in.

Four members, one of whom (U0002) has posted for the Monday standup; the clock is at the
08:30 reminder slot. Every assertion about Slack is made on what the stand-in received.
"""

from __future__ import annotations

import datetime as dt
import io

from flows.reminder import flow as reminder_flow
from flows.services import use_services
from marvin.app import run_flow
from marvin.domain.models import DeliveryKind
from marvin.engine import Executor, FakeClock, FlowRun, LocalExecutor, TaskRun, ThreadExecutor
from marvin.slack.client import SlackWebChat
from marvin.slack.dry_run import DryRunChat
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    MEMBERS,
    REMINDER_AT,
    TEAM,
    TOKEN,
    FixedClock,
    MakeServices,
    add_members,
    post_update,
)

NOT_POSTED = ("U0001", "U0003", "U0004")


def seed(store: Store) -> None:
    add_members(store)
    post_update(store, "U0002", "Yesterday: reviews. Today: the release.")


def child(run: FlowRun, task: str, user_id: str) -> TaskRun:
    """The mapped child of `task` for a member (members come sorted by user id)."""
    children = run.task_run(task).children
    assert children is not None, f"{task} did not map: {run.task_run(task).state!r}"
    return children[MEMBERS.index(user_id)]


def dm_sent_to(standin: SlackStandIn) -> list[str]:
    """Users a DM was posted to by their user id (successful chat.postMessage calls), sorted."""
    return sorted(
        str(call.params["channel"])
        for call in standin.calls_to("chat.postMessage")
        if call.outcome == "ok" and str(call.params["channel"]).startswith("U")
    )


def dms(standin: SlackStandIn) -> list[str]:
    """DM channels that received a message (successful chat.postMessage calls), sorted."""
    return sorted(
        str(m["channel"]) for m in standin.posted_messages() if str(m["channel"]).startswith("D")
    )


def reminded(store: Store, date: str = DATE) -> list[str]:
    return [
        d.target
        for d in store.list_deliveries(TEAM, date)
        if d.kind is DeliveryKind.REMINDER and d.sent
    ]


def test_reminds_each_member_who_has_not_posted_exactly_once(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    seed(store)

    run = run_flow("reminder", {"team": TEAM}, make_services(), executor=executor)

    assert run.state.is_successful(), run.state
    assert dm_sent_to(standin) == list(NOT_POSTED)
    assert dms(standin) == [f"D{u}" for u in NOT_POSTED]
    assert len(standin.calls) == len(NOT_POSTED)  # one call per DM: no conversations.open
    assert standin.calls_to("conversations.open") == []
    assert [p.dm_channel for p in store.list_member_prefs(NOT_POSTED)] == [
        f"D{u}" for u in NOT_POSTED]  # kept for later look-ups
    for message in standin.posted_messages():
        assert f"<@{str(message['channel'])[1:]}>" in message["text"]
        assert "Monday 8 June" in message["text"]
    posted_needed = child(run, "is_reminder_needed", "U0002")
    assert posted_needed.state.is_skipped()
    assert "U0002 already posted" in (posted_needed.state.message or "")
    assert child(run, "send_reminder", "U0002").state.is_skipped()
    for user_id in NOT_POSTED:
        assert child(run, "send_reminder", user_id).state.name == "Success"
    report = run.task_run("report")
    assert report.state.is_successful()
    assert report.state.result == "3 reminder(s) sent, 1 not needed"
    assert reminded(store) == list(NOT_POSTED)


def test_a_second_run_sends_nothing_and_force_sends_again(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    seed(store)
    services = make_services()
    run_flow("reminder", {"team": TEAM}, services, executor=executor)
    first = len(standin.calls)

    again = run_flow("reminder", {"team": TEAM}, services, executor=executor)

    assert again.state.is_successful(), again.state
    assert len(standin.calls) == first  # the delivery claims say: already sent
    for user_id in NOT_POSTED:
        state = child(again, "send_reminder", user_id).state
        assert state.is_skipped()
        assert f"{user_id} was already reminded for {DATE}" == state.message

    forced = run_flow("reminder", {"team": TEAM, "force": True}, services, executor=executor)

    assert forced.state.is_successful(), forced.state
    assert dms(standin) == sorted(2 * [f"D{u}" for u in NOT_POSTED])
    assert child(forced, "send_reminder", "U0002").state.is_skipped()  # force ≠ nag posters
    assert reminded(store) == list(NOT_POSTED)


def test_a_rate_limit_is_retried_without_losing_or_doubling_a_dm(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    standin.fail_next("chat.postMessage", status=429, retry_after=1)

    run = run_flow("reminder", {"team": TEAM}, make_services(), executor=ThreadExecutor(4))

    assert run.state.is_successful(), run.state
    assert dms(standin) == [f"D{u}" for u in NOT_POSTED]  # one DM each, none lost
    assert dm_sent_to(standin) == list(NOT_POSTED)
    posts = standin.calls_to("chat.postMessage")
    assert [c.outcome for c in posts].count("http:429") == 1 and len(posts) == 4
    limited = next(c for c in posts if c.outcome == "http:429")
    retried = next(c for c in posts if c.outcome == "ok" and c.params == limited.params)
    assert retried.at - limited.at >= 1.0  # Retry-After was honoured
    for user_id in NOT_POSTED:  # retried inside the Slack client, not by the engine
        assert child(run, "send_reminder", user_id).run_count == 1


def test_a_member_slack_cannot_reach_fails_alone_alerts_and_gets_the_claim_back(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    seed(store)
    standin.fail_for_channel("DU0003", "channel_not_found")  # the DM opens, the post fails
    services = make_services(alert_channel="#alerts")

    run = run_flow("reminder", {"team": TEAM}, services, executor=executor)

    failed = child(run, "send_reminder", "U0003")
    assert failed.state.is_failed()
    assert failed.state.message == "could not remind U0003: channel_not_found"
    assert failed.run_count == 1  # FAIL: a permanent error is not retried
    assert dms(standin) == ["DU0001", "DU0004"]
    assert run.state.is_failed()
    [alert] = standin.posted_messages("#alerts")
    assert "*reminder* run failed" in alert["text"]
    assert "U0003" in alert["text"] and "channel_not_found" in alert["text"]
    assert reminded(store) == ["U0001", "U0004"]
    assert "U0003" not in [d.target for d in store.list_deliveries(TEAM, DATE)]

    standin.reset()  # the member is reachable again
    rerun = run_flow("reminder", {"team": TEAM}, services, executor=executor)

    assert rerun.state.is_successful(), rerun.state
    assert dms(standin) == ["DU0003"]
    assert standin.posted_messages("#alerts") == []
    assert reminded(store) == list(NOT_POSTED)


def run_late_slot(
    store: Store, make_services: MakeServices, clock: FixedClock, at: dt.datetime
) -> FlowRun:
    """The seeded team's 08:30 reminder slot, run late: at `at`."""
    seed(store)
    clock.at = at
    return run_flow(
        "reminder", {"team": TEAM}, make_services(), executor=LocalExecutor(),
        scheduled_start=REMINDER_AT,
    )


def test_a_late_run_of_the_slot_after_standup_time_sends_nothing(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    """After downtime the 08:30 slot runs at 09:05: its standup is over, a reminder is noise."""
    run = run_late_slot(store, make_services, clock, REMINDER_AT.replace(hour=9, minute=5))

    date_run = run.task_run("get_standup_date")
    assert date_run.state.is_skipped()
    assert date_run.state.message == f"the {DATE} standup has already happened; no reminders now"
    assert run.task_run("send_reminder").state.is_skipped()
    assert not run.state.is_failed(), run.state
    assert standin.calls == []
    assert store.list_deliveries(TEAM, DATE) == []


def test_a_late_run_before_standup_time_keeps_its_slot(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    run = run_late_slot(store, make_services, clock, REMINDER_AT + dt.timedelta(minutes=20))

    assert run.state.is_successful(), run.state
    assert run.task_run("get_standup_date").state.result == DATE
    assert dms(standin) == [f"D{u}" for u in NOT_POSTED]


def test_report_does_not_crash_when_there_is_nothing_to_remind(
    store: Store, make_services: MakeServices, clock: FixedClock
) -> None:
    run = run_late_slot(store, make_services, clock, REMINDER_AT.replace(hour=9, minute=5))

    assert not run.task_run("report").state.is_failed(), run.task_run("report").state


def test_the_date_parameter_is_used_as_given(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    """Friday's standup, asked for by hand on Monday after standup time: no skipping either."""
    seed(store)  # U0002 posted for Monday, not Friday
    clock.at = REMINDER_AT.replace(hour=11)

    run = run_flow(
        "reminder", {"team": TEAM, "date": "2026-06-05"}, make_services(),
        executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    assert run.task_run("get_standup_date").state.result == "2026-06-05"
    assert dms(standin) == [f"D{u}" for u in MEMBERS]
    assert all("Friday 5 June" in m["text"] for m in standin.posted_messages())
    assert reminded(store, "2026-06-05") == list(MEMBERS)
    assert store.list_deliveries(TEAM, DATE) == []


def test_dry_run_sends_nothing_claims_nothing_and_says_what_it_would_send(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    seed(store)
    out = io.StringIO()
    services = make_services(chat=DryRunChat(out), dry_run=True)

    run = run_flow("reminder", {"team": TEAM}, services, executor=executor)

    assert run.state.is_successful(), run.state
    assert standin.calls == []
    assert store.list_deliveries(TEAM, DATE) == []
    would = sorted(line for line in out.getvalue().splitlines() if line.startswith("would DM"))
    assert [line.split(":")[0] for line in would] == [f"would DM {u}" for u in NOT_POSTED]
    assert all("Monday 8 June" in line for line in would)
    for user_id in NOT_POSTED:
        assert child(run, "send_reminder", user_id).state.result == f"would remind {user_id}"


def test_a_timed_out_post_is_not_sent_again(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    """Slack takes the message but answers after the client gave up (read timeout)."""
    add_members(store, ("U0001",))
    standin.set_latency(0.5, "chat.postMessage")
    slow = SlackWebChat(TOKEN, standin.url, timeout=0.25, max_retries=2, backoff_factor=0.01)
    engine_clock = FakeClock()  # the engine's 5 s retry delays pass without sleeping

    with use_services(make_services(chat=slow)):
        reminder_flow.run({"team": TEAM}, executor=LocalExecutor(), clock=engine_clock)

    assert len(standin.posted_messages("DU0001")) <= 1
