"""Two replicas of Marvin firing the same slot at once: the store's claims let one send.

Each replica has its own store connection (same SQLite file, same Firestore project), its
own Slack client and its own Services, as two processes would; they start together on a
barrier and run on thread pools, so their reminders interleave member by member.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor as Pool

from flows.services import Services
from marvin.app import run_flow
from marvin.domain.models import DeliveryKind
from marvin.engine import FlowRun, ThreadExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    STANDUP_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    make_chat,
    post_update,
)

MEMBERS = tuple(f"U{2000 + i}" for i in range(10))
DATES = ("2026-06-08", "2026-06-09", "2026-06-10")


def two_replicas(
    open_store_again: Callable[[], Store], standin: SlackStandIn, make_services: MakeServices
) -> list[Services]:
    return [
        make_services(store=open_store_again(), chat=make_chat(standin.url)) for _ in range(2)
    ]


def run_together(
    flow: str, parameters: dict[str, object], replicas: list[Services]
) -> list[FlowRun]:
    """Run the flow once per replica, all starting at the same moment."""
    start = threading.Barrier(len(replicas))

    def replica(services: Services) -> FlowRun:
        start.wait(timeout=30)
        return run_flow(flow, parameters, services, executor=ThreadExecutor(4))

    with Pool(len(replicas)) as pool:
        return list(pool.map(replica, replicas, timeout=60))


def test_each_member_is_reminded_exactly_once_in_total(
    open_store_again: Callable[[], Store],
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
) -> None:
    add_members(store, MEMBERS)
    post_update(store, MEMBERS[0], "done already", date=DATES[0])
    replicas = two_replicas(open_store_again, standin, make_services)

    runs = run_together("reminder", {"team": TEAM}, replicas)

    assert all(run.state.is_successful() for run in runs), [run.state for run in runs]
    per_dm = Counter(str(m["channel"]) for m in standin.posted_messages())
    assert per_dm == Counter({f"D{user_id}": 1 for user_id in MEMBERS[1:]})
    sent = [
        child
        for run in runs
        for child in run.task_run("send_reminder").children or []
        if child.state.name == "Success"  # Skipped counts as successful too
    ]
    assert len(sent) == len(MEMBERS) - 1  # the other replica skipped what one sent
    delivered = [d.target for d in store.list_deliveries(TEAM, DATES[0]) if d.sent]
    assert delivered == list(MEMBERS[1:])


def test_the_digest_is_posted_exactly_once_in_total(
    open_store_again: Callable[[], Store],
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
    clock: FixedClock,
) -> None:
    clock.at = STANDUP_AT
    add_members(store, MEMBERS[:3])
    for date in DATES:
        post_update(store, MEMBERS[0], f"my update for {date}", date=date)
    replicas = two_replicas(open_store_again, standin, make_services)

    for date in DATES:  # a few rounds: each is a fresh race for a fresh claim
        runs = run_together("standup", {"team": TEAM, "date": date}, replicas)

        assert all(run.state.is_successful() for run in runs), [run.state for run in runs]
        outcomes = sorted(run.task_run("post_digest").state.name for run in runs)
        assert outcomes == ["Skipped", "Success"]
        [digest] = [d for d in store.list_deliveries(TEAM, date) if d.kind is DeliveryKind.DIGEST]
        assert (digest.target, digest.sent) == ("#general", True)

    posted = standin.posted_messages("#general")
    assert len(posted) == len(DATES)
    assert [date in str(m["blocks"]) for m, date in zip(posted, ("8 June", "9 June", "10 June"),
                                                        strict=True)] == [True] * len(DATES)


def test_a_thread_digest_is_posted_exactly_once_in_total(
    open_store_again: Callable[[], Store],
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
    clock: FixedClock,
) -> None:
    """Each reply is its own claim: whichever replica claims one posts it, the other
    leaves it (or finds it posted), and neither fails for the other's work."""
    from marvin.domain.models import Team

    clock.at = STANDUP_AT
    store.save_team(Team(TEAM, digest_mode="thread"))
    add_members(store, MEMBERS[:6])
    for user in MEMBERS[:6]:
        post_update(store, user, f"news from {user}", date=DATES[0])
    replicas = two_replicas(open_store_again, standin, make_services)

    runs = run_together("standup", {"team": TEAM, "date": DATES[0]}, replicas)

    assert all(run.state.is_successful() for run in runs), [run.state for run in runs]
    assert all(not run.task_run("post_digest").state.is_failed() for run in runs)
    keys = Counter(m["metadata"]["event_payload"]["key"] for m in standin.posted_messages())
    base = f"digest/{TEAM}/{DATES[0]}/#general"
    assert keys == Counter([f"{base}#0", *(f"{base}#r.{user}#0" for user in MEMBERS[:6])])
