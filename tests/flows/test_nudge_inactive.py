"""The nudge and members Slack cannot reach: a refusal that says the account is gone
skips the member (the run does not fail) and has them marked inactive, as the reminder
does; a member marked inactive is not nudged, not even tried. On both stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from marvin.app import run_flow
from marvin.domain.models import DeliveryKind
from marvin.engine import LocalExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import DATE, MEMBERS, TEAM, FixedClock, MakeServices, add_members

NUDGE_AT = dt.datetime(2026, 6, 8, 8, 45, tzinfo=dt.UTC)
ADMIN = "U0900"


def child_state(run: object, task: str, user_id: str) -> str:
    children = run.task_run(task).children  # type: ignore[attr-defined]
    assert children is not None
    return str(children[MEMBERS.index(user_id)].state.name)


def test_a_nudge_refused_for_a_gone_account_skips_and_marks_the_member_inactive(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
) -> None:
    add_members(store)
    # Slack refuses the DM as it refuses conversations.open for a deactivated account (a
    # DM to the user id of one is accepted: slack-sdk #1156; Slack's user_change says it)
    standin.fail_for_channel("U0003", "user_disabled", methods=("chat.postMessage",))
    clock.at = NUDGE_AT

    run = run_flow("nudge", {"team": TEAM}, make_services(admins=ADMIN),
                   executor=LocalExecutor())

    assert run.state.is_successful(), run.state  # no failure, no alert for it
    assert child_state(run, "send_nudge", "U0003") == "Skipped"
    member = store.get_member("U0003")
    assert member is not None and not member.is_active
    assert member.inactive_reason == "user_disabled" and member.inactive_since == DATE
    nudged = sorted(d.target for d in store.list_deliveries(TEAM, DATE)
                    if d.kind is DeliveryKind.NUDGE and d.sent)
    assert nudged == ["U0001", "U0002", "U0004"]
    notices = [m for m in standin.posted_messages(f"D{ADMIN}") if "U0003" in str(m["text"])]
    assert len(notices) == 1


def test_a_member_marked_inactive_is_not_nudged_nor_tried(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
) -> None:
    add_members(store)
    member = store.get_member("U0002")
    assert member is not None
    store.save_member(replace(member, inactive_since="2026-06-01",
                              inactive_reason="user_disabled"))
    clock.at = NUDGE_AT

    run = run_flow("nudge", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert child_state(run, "is_nudge_needed", "U0002") == "Skipped"
    assert run.task_run("report").result == "3 nudge(s) sent, 1 not needed"
    assert not [c for c in standin.calls if "U0002" in c.params.values()]
