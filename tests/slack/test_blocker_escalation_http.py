# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""A blocker saved in the update modal is escalated to the team's lead and blockers channel
once, however often the update is edited: over real HTTP, on both stores.

The same server and fixtures as `test_update_modal_http`. The automation runs where
`marvin serve` runs it (the process's sink, `Marvin.bolt`), here synchronously so the test
can look at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flows.automations import run_automations
from marvin.app import build_services, run_flow
from marvin.domain.events import BLOCKER_REPORTED
from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.engine import FlowRun, LocalExecutor
from marvin.history.events import set_sink
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.slack_api import SlackStandIn
from tests.slack.test_app_http import (  # noqa: F401  (fixtures)
    DATE,
    NOW,
    USER,
    Marvin,
    healthy,
    make_settings,
    marvin,
)
from tests.slack.test_update_modal_http import join, open_modal, opened_view, submit

LEAD = "U0LEAD"
ADMIN = "U0ADMIN"
CHANNEL = "#blockers"


@pytest.fixture
def automated(marvin: Marvin, tmp_path: object) -> Iterator[SqliteHistory]:
    """Events published by the app run their automations at once, recorded in a history."""
    history = SqliteHistory(f"{tmp_path}/history.db")
    settings = make_settings(marvin.slack.url, admins=ADMIN)
    services = build_services(settings, marvin.store, now=lambda: NOW)

    def run(flow: str, params: dict[str, object]) -> FlowRun:
        return run_flow(flow, params, services, executor=LocalExecutor(), history=history)

    set_sink(lambda event: run_automations([event], marvin.store, lambda: NOW, run))
    try:
        yield history
    finally:
        set_sink(None)
        history.close()


def escalations(slack: SlackStandIn) -> list[str]:
    return [str(m["channel"]) for m in slack.posted_messages() if "is blocked" in m["text"]]


def test_a_blocker_is_escalated_once_though_the_update_is_edited_twice(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    marvin.slack.world.add_channel("blockers")
    marvin.store.save_team(Team(DEFAULT_TEAM, lead=LEAD, blockers_channel=CHANNEL))
    join(marvin.store)
    for blocker in ("waiting on the API keys", "still the keys", "the keys & <@U1> ping"):
        open_modal(marvin)
        submit(marvin, opened_view(marvin.slack), {"q1": "tests", "q2": "docs", "q3": blocker})

    canonical = marvin.slack.world.canonical(CHANNEL)
    assert sorted(escalations(marvin.slack)) == sorted([f"D{LEAD}", canonical])
    [dm] = [m for m in marvin.slack.posted_messages(f"D{LEAD}")]
    assert f"<@{USER}>" in dm["text"] and "waiting on the API keys" in dm["text"]
    [run] = automated.list_flow_runs(flow="escalate_blocker")
    assert run.state == "Success" and run.parameters["event"] == BLOCKER_REPORTED
    assert run.parameters["event_id"] == f"{DEFAULT_TEAM}/{DATE}/{USER}"


def test_an_update_without_a_blocker_escalates_nothing_and_no_lead_skips(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    join(marvin.store)
    open_modal(marvin)
    submit(marvin, opened_view(marvin.slack), {"q1": "tests", "q2": "docs", "q3": "  "})
    assert automated.list_flow_runs(flow="escalate_blocker") == []

    open_modal(marvin)  # a blocker, but the team has no lead and no blockers channel
    submit(marvin, opened_view(marvin.slack), {"q1": "tests", "q2": "docs", "q3": "keys"})
    [run] = automated.list_flow_runs(flow="escalate_blocker")
    assert run.state == "Success" and escalations(marvin.slack) == []
