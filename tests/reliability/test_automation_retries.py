"""Automations that claimed their event and then failed are run again, on both stores:
the blocker escalation whose post Slack refused is retried by the next automation pass
and delivers once (the lead's DM, sent the first time, is not sent again); a post whose
outcome is unknown (a 5xx after Slack acted) is never repeated; a permanently failing
one stops after `MAX_TRIES` runs with the reason recorded once; two replicas' passes
start one retry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from flows.automation_retries import MAX_TRIES, retry_failed_automations
from flows.automations import RunFlow, run_automations
from flows.services import Services
from marvin.domain.events import blocker_reported
from marvin.domain.models import Answer, Team
from marvin.engine import FlowRun, LocalExecutor
from marvin.store import Store
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import DATE, REMINDER_AT, TEAM, add_members, run, services_on

LEAD, USER, CHANNEL = "U0LEAD", "U0001", "#blockers"
FLOW = "escalate_blocker"
PASS_AT = dt.datetime(2026, 1, 1, 0, 5, tzinfo=dt.UTC)  # `run`'s FakeClock records runs at 00:00


@pytest.fixture
def history(store: Store, request: pytest.FixtureRequest) -> Iterator[RunHistory]:
    """The run history on the store's own backend."""
    if isinstance(store, SqliteStore):
        opened: RunHistory = SqliteHistory(str(request.getfixturevalue("tmp_path") / "h.db"))
    else:
        opened = FirestoreHistory(project=request.getfixturevalue("firestore_project"))
    yield opened
    opened.close()


def setup(store: Store, standin: SlackStandIn) -> tuple[Services, str]:
    standin.world.add_channel("blockers")
    store.save_team(Team(TEAM, lead=LEAD, blockers_channel=CHANNEL))
    add_members(store, (USER,))
    store.save_answers(TEAM, DATE, USER, (Answer("q3", "Blockers?", "the API keys", True),),
                       REMINDER_AT)
    return services_on(standin.url, store), standin.world.channel_id(CHANNEL)




def starter(services: Services, history: RunHistory) -> RunFlow:
    """How automations start a run here: recorded in `history`, on the `FakeClock`."""
    return lambda flow, params: run(flow, params, services, LocalExecutor(), history=history)


def escalate(services: Services, history: RunHistory) -> list[FlowRun]:
    """The blocker's event, published: the automation claims it and runs once."""
    event = blocker_reported(TEAM, DATE, USER, REMINDER_AT)
    return run_automations([event], services.store, services.now, starter(services, history))


def a_pass(services: Services, history: RunHistory) -> list[FlowRun]:
    return retry_failed_automations(history, services.store, lambda: PASS_AT,
                                    starter(services, history))


def refused_escalation(store: Store, standin: SlackStandIn, history: RunHistory
                       ) -> tuple[Services, str]:
    """The escalation run once, the blockers channel refusing every post (the lead's DM
    goes)."""
    services, channel = setup(store, standin)
    standin.fail_for_channel(CHANNEL, "fatal_error", methods=("chat.postMessage",))
    [first] = escalate(services, history)
    assert first.state.is_failed()
    return services, channel


def notices(standin: SlackStandIn, channel: str) -> int:
    return len([m for m in standin.posted_messages(channel) if "is blocked" in m["text"]])


def test_a_refused_escalation_is_retried_by_the_next_pass_and_delivers_once(
    store: Store, history: RunHistory, standin: SlackStandIn
) -> None:
    services, channel = refused_escalation(store, standin, history)
    assert (notices(standin, f"D{LEAD}"), notices(standin, channel)) == (1, 0)

    standin.reset_faults()  # Slack is fine again
    [again] = a_pass(services, history)

    assert again.state.is_successful(), again.state
    assert (notices(standin, f"D{LEAD}"), notices(standin, channel)) == (1, 1)
    assert a_pass(services, history) == []  # done: nothing more, however many passes
    assert escalate(services, history) == []  # the event again: its claim still holds
    assert sorted(r.state for r in history.list_flow_runs(flow=FLOW)) == ["Failed", "Success"]


def test_a_post_slack_may_have_made_is_never_repeated(
    store: Store, history: RunHistory, standin: SlackStandIn
) -> None:
    services, channel = setup(store, standin)
    standin.fail_next("chat.postMessage", times=2, status=500, after_acting=True)

    escalate(services, history)
    for _ in range(MAX_TRIES + 1):
        a_pass(services, history)

    assert notices(standin, f"D{LEAD}") <= 1 and notices(standin, channel) <= 1
    assert notices(standin, f"D{LEAD}") + notices(standin, channel) >= 1


def test_a_permanent_failure_stops_after_max_tries_with_its_reason_recorded_once(
    store: Store, history: RunHistory, standin: SlackStandIn
) -> None:
    services, channel = refused_escalation(store, standin, history)
    started = [len(a_pass(services, history)) for _ in range(MAX_TRIES + 2)]

    assert started == [1] * (MAX_TRIES - 1) + [0, 0, 0]
    runs = history.list_flow_runs(flow=FLOW)
    assert [r.state for r in runs] == ["Failed"] * MAX_TRIES
    detail = history.get_run(runs[0].id)
    assert detail is not None
    gave_up = [e for e in detail.events if e.method == "gave_up"]
    assert len(gave_up) == 1 and gave_up[0].outcome.startswith(
        f"error:gave up after {MAX_TRIES} tries: ")
    assert notices(standin, f"D{LEAD}") == 1 and notices(standin, channel) == 0


def test_two_replicas_passing_at_once_start_one_retry(
    store: Store, history: RunHistory, standin: SlackStandIn
) -> None:
    services, _ = refused_escalation(store, standin, history)
    other: list[int] = []

    def start(flow: str, params: dict[str, object]) -> FlowRun:
        # The other replica reads the same history before this retry is recorded.
        other.append(len(a_pass(services, history)))
        return starter(services, history)(flow, params)

    assert len(retry_failed_automations(history, store, lambda: PASS_AT, start)) == 1
    assert other == [0]
    assert len(history.list_flow_runs(flow=FLOW)) == 2
