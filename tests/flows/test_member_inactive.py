"""A member Slack cannot reach: skipped (the run does not fail), marked inactive by the
`member_inactive` automation, the admins told once, on both stores; back on `member_active`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from flows.automations import run_automations
from marvin.app import run_flow
from marvin.domain.events import ACCOUNT_ACTIVE, ACCOUNT_INACTIVE, Event
from marvin.domain.run_names import MEMBER_INACTIVE_FLOW
from marvin.engine import FlowRun
from marvin.store import Store
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    MEMBERS,
    REMINDER_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
)

ADMIN = "U0900"
ALERTS = "#alerts"


def child_state(run: FlowRun, task: str, user_id: str) -> str:
    children = run.task_run(task).children
    assert children is not None, run.task_run(task).state
    return children[MEMBERS.index(user_id)].state.name


def told(standin: SlackStandIn) -> list[str]:
    """Where a notice about U0003 went (the admin's DM, the alert channel), in order."""
    return [str(m["channel"]) for m in standin.posted_messages()
            if "U0003" in str(m.get("text", "")) and "cannot reach" in str(m.get("text", ""))]


def test_an_inactive_account_is_dropped_and_the_admins_told_once_over_two_days(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
    tmp_path: Path,
) -> None:
    add_members(store)
    # The DM refused as Slack may, and users.info confirming the account is deactivated.
    standin.fail_for_channel("U0003", "account_inactive", methods=("chat.postMessage",))
    standin.world.delete_user("U0003")
    services = make_services(alert_channel=ALERTS, admins=ADMIN)
    history = SqliteHistory(str(tmp_path / "history.db"))

    monday = run_flow("reminder", {"team": TEAM}, services, history=history)

    assert monday.state.is_successful(), monday.state  # no failure, no alert for it
    assert child_state(monday, "send_reminder", "U0003") == "Skipped"
    member = store.get_member("U0003")
    assert member is not None and member.inactive_since == DATE
    assert member.inactive_reason == "account_inactive" and not member.is_active
    assert told(standin) == [f"D{ADMIN}", standin.world.canonical(ALERTS)]
    assert not [m for m in standin.posted_messages(ALERTS) if "run failed" in m["text"]]
    [automation] = history.list_flow_runs(flow=MEMBER_INACTIVE_FLOW)
    assert automation.state == "Success"
    assert automation.parameters["event"] == ACCOUNT_INACTIVE
    assert automation.parameters["event_id"] == f"{monday.id}/U0003"
    detail = history.get_run(monday.id)
    assert detail is not None
    assert [(e.system, e.method, e.target) for e in detail.events if e.method ==
            "account_inactive"] == [("slack", "account_inactive", "U0003")]

    standin.reset_calls()
    clock.at = REMINDER_AT + dt.timedelta(days=1)
    tuesday = run_flow("reminder", {"team": TEAM}, services, history=history)

    assert tuesday.state.is_successful(), tuesday.state
    assert child_state(tuesday, "is_reminder_needed", "U0003") == "Skipped"
    assert not [c for c in standin.calls if "U0003" in c.params.values()]  # not even tried
    assert told(standin) == []  # told once, not daily
    assert len(history.list_flow_runs(flow=MEMBER_INACTIVE_FLOW)) == 1
    history.close()


def test_an_event_runs_its_automation_once_and_the_notice_goes_once_per_member(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
) -> None:
    add_members(store)
    services = make_services(admins=ADMIN)
    started: list[str] = []

    def run(flow: str, params: dict[str, object]) -> FlowRun:
        started.append(flow)
        return run_flow(flow, params, services)

    event = Event(ACCOUNT_INACTIVE, "run-1/U0003", TEAM, "U0003", REMINDER_AT,
                  {"reason": "user_not_found"})
    first = run_automations([event, event], store, clock, run)  # twice: one run
    again = run_automations([event], store, clock, run)  # a replica, later: none
    assert [r.state.name for r in first] == ["Success"] and again == []
    assert started == [MEMBER_INACTIVE_FLOW]
    # The same member met by another run (another event): marked already, told already.
    other = Event(ACCOUNT_INACTIVE, "run-2/U0003", TEAM, "U0003", REMINDER_AT)
    [second] = run_automations([other], store, clock, run)
    assert second.state.is_successful() and told(standin) == [f"D{ADMIN}"]

    # The account comes back: reminded again; gone again later: told again.
    back = Event(ACCOUNT_ACTIVE, "Ev1", TEAM, "U0003", REMINDER_AT)
    run_automations([back], store, clock, run)
    assert store.get_member("U0003").is_active  # type: ignore[union-attr]
    clock.at = REMINDER_AT + dt.timedelta(days=3)
    gone = Event(ACCOUNT_INACTIVE, "run-3/U0003", TEAM, "U0003", clock.at)
    run_automations([gone], store, clock, run)
    assert told(standin) == [f"D{ADMIN}", f"D{ADMIN}"]


def test_a_failing_automation_does_not_fail_the_run_that_met_the_member(
    store: Store, standin: SlackStandIn, make_services: MakeServices,
) -> None:
    add_members(store)
    standin.fail_for_channel("U0003", "user_not_found")
    standin.fail_for_channel(f"D{ADMIN}", "channel_not_found")  # the admin cannot be told
    services = make_services(admins=ADMIN)

    run = run_flow("reminder", {"team": TEAM}, services)

    assert run.state.is_successful(), run.state
    assert store.get_member("U0003").inactive_reason == "user_not_found"  # type: ignore[union-attr]


def test_a_deactivated_account_is_user_disabled_and_dropped_without_asking_again(
    store: Store, standin: SlackStandIn, make_services: MakeServices,
) -> None:
    add_members(store)
    # Slack refuses the DM as it refuses conversations.open for a deactivated account (a
    # DM to the user id of one is accepted: slack-sdk #1156; Slack's user_change says it)
    standin.fail_for_channel("U0004", "user_disabled", methods=("chat.postMessage",))

    run = run_flow("reminder", {"team": TEAM}, make_services(admins=ADMIN))

    assert run.state.is_successful(), run.state
    assert store.get_member("U0004").inactive_reason == "user_disabled"  # type: ignore[union-attr]
    assert standin.calls_to("users.info") == []  # only account_inactive needs confirming


def test_account_inactive_for_the_token_itself_marks_nobody_and_fails_the_run(
    store: Store, standin: SlackStandIn, make_services: MakeServices,
) -> None:
    """Slack's ``account_inactive`` also means "this token's workspace or bot user was
    deleted": then users.info is refused too, and no member is taken for gone."""
    add_members(store, ("U0001", "U0003"))
    for user in ("U0001", "U0003"):
        standin.fail_for_channel(user, "account_inactive")  # every call, users.info too

    run = run_flow("reminder", {"team": TEAM}, make_services(alert_channel=ALERTS))

    assert run.state.is_failed()
    assert all(m.is_active for m in store.list_members(TEAM))
    [alert] = standin.posted_messages(ALERTS)
    assert "account_inactive" in alert["text"]


def test_account_inactive_for_an_active_account_is_not_taken_for_gone(
    store: Store, standin: SlackStandIn, make_services: MakeServices,
) -> None:
    add_members(store, ("U0001",))
    standin.fail_for_channel("U0001", "account_inactive", methods=("chat.postMessage",))

    run = run_flow("reminder", {"team": TEAM}, make_services())

    assert run.state.is_failed() and store.get_member("U0001").is_active  # type: ignore[union-attr]
