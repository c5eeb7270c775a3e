"""The standup flow keeps the day summaries the standup pages read: the standup before
its date (now over), never its own date while late updates may still join its digest."""

from __future__ import annotations

from marvin.app import run_flow
from marvin.engine import LocalExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    STANDUP_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    post_update,
)

FRIDAY = "2026-06-05"  # the standup before DATE (a Monday)


def test_the_digest_run_keeps_the_summary_of_the_standup_before_and_runs_again_alike(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    add_members(store)
    post_update(store, "U0001", "friday things", date=FRIDAY)
    post_update(store, "U0002", "monday things")
    clock.at = STANDUP_AT

    for _ in range(2):  # again: the digest is skipped, the summary left as kept
        run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())
        assert run.state.is_successful() or run.state.is_skipped(), run.state
        (friday,) = store.list_day_summaries(TEAM, FRIDAY, FRIDAY)
        assert friday.summary is not None
        assert (friday.summary.posted, friday.summary.missed) == (1, 3)
        (monday,) = store.list_day_summaries(TEAM, DATE, DATE)  # its update made it stale
        assert monday.summary is None

    store.append_update(TEAM, FRIDAY, "U0003", "late friday", clock.at)
    run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())
    (friday,) = store.list_day_summaries(TEAM, FRIDAY, FRIDAY)
    assert friday.summary is not None and friday.summary.posted == 2
