"""Marvin's own flows on Dask (a LocalCluster of 2 worker processes), on both stores.

The workers build their own store and Slack client from the run's settings; the stand-in
(this process) and the store (a SQLite file every process opens, or the Firestore
emulator) are shared, so the delivery claims keep every send at most once, even when a
worker is killed in the middle of the fan-out and Dask runs its task again elsewhere.
The cluster is started once for the module: it costs seconds.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.services import Services
from flows.worker_services import services_opened_here
from marvin.app import build_services, run_flow
from marvin.domain.run_names import MEMBER_INACTIVE_FLOW
from marvin.engine import FlowRun, LocalExecutor
from marvin.engine.dask_executor import DaskExecutor
from marvin.settings import Settings
from marvin.store import Store, open_history
from marvin.store.run_history import RunHistory
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    REMINDER_AT,
    STANDUP_AT,
    TEAM,
    FixedClock,
    add_members,
    make_settings,
    post_update,
)

MEMBERS = tuple(f"U{3000 + i}" for i in range(8))


@pytest.fixture(scope="module")
def dask_executor(firestore_emulator: str) -> Iterator[DaskExecutor]:
    # After the emulator: the workers inherit FIRESTORE_EMULATOR_HOST when they start.
    with DaskExecutor(n_workers=2, processes=True, threads_per_worker=1) as executor:
        yield executor


@pytest.fixture(params=["sqlite", "firestore"])
def settings(request: pytest.FixtureRequest, standin: SlackStandIn, tmp_path: Path) -> Settings:
    """Settings every process opens the same store from: a SQLite file, or a project of
    its own on the emulator."""
    if request.param == "sqlite":
        return make_settings(standin.url, store=f"sqlite:///{tmp_path / 'marvin.db'}")
    project: str = request.getfixturevalue("firestore_project")
    return make_settings(standin.url, store="firestore", google_cloud_project=project)


@pytest.fixture
def parent(settings: Settings) -> Iterator[tuple[Services, RunHistory]]:
    """The run's process: its services (own store, Slack client) and its run history."""
    services = build_services(settings, _open(settings), now=FixedClock(REMINDER_AT))
    history = open_history(settings.store, project=settings.google_cloud_project)
    yield services, history
    services.store.close()
    history.close()


def _open(settings: Settings) -> Store:
    from marvin.store import open_store

    return open_store(settings.store, project=settings.google_cloud_project)


def dms(standin: SlackStandIn) -> Counter[str]:
    return Counter(str(m["channel"]) for m in standin.posted_messages())


def test_every_member_is_reminded_exactly_once_from_the_workers(
    parent: tuple[Services, RunHistory], standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    services, history = parent
    add_members(services.store, MEMBERS)
    post_update(services.store, MEMBERS[0], "done already")

    run = run_flow("reminder", {"team": TEAM}, services, executor=dask_executor, history=history)
    again = run_flow("reminder", {"team": TEAM}, services, executor=dask_executor)

    assert run.state.is_successful(), run.state
    assert again.state.is_successful(), again.state
    assert dms(standin) == Counter({f"D{user}": 1 for user in MEMBERS[1:]})
    delivered = [d.target for d in services.store.list_deliveries(TEAM, DATE) if d.sent]
    assert sorted(delivered) == list(MEMBERS[1:])
    assert run.result("report") == "7 reminder(s) sent, 1 not needed"
    detail = history.get_run(run.id)
    assert detail is not None and detail.run.state == "Success"
    children = [t for t in detail.task_runs if t.task == "send_reminder" and t.map_index
                is not None]
    assert len(children) == len(MEMBERS)
    # each send's Slack call, made on a worker, is an event of its task run here
    posts = [e for e in detail.events if e.method == "chat.postMessage"]
    assert sorted(str(e.task_run_id).split("/", 1)[1] for e in posts) == sorted(
        f"send_reminder[{i}]" for i in range(1, len(MEMBERS))
    )


def _events_by_task(history: RunHistory, run: FlowRun) -> Counter[tuple[str, str, str, str]]:
    detail = history.get_run(run.id)
    assert detail is not None
    return Counter(
        (str(e.task_run_id).split("/", 1)[-1], e.system, e.method, e.outcome)
        for e in detail.events
    )


def test_a_dask_runs_history_shows_the_same_events_as_a_local_run(
    parent: tuple[Services, RunHistory], standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    services, history = parent
    add_members(services.store, MEMBERS[:4])

    # The first run keeps each member's DM channel; the two compared runs find them kept.
    first = run_flow("reminder", {"team": TEAM, "date": "2026-06-05"}, services,
                     executor=LocalExecutor(), history=history)
    local = run_flow("reminder", {"team": TEAM, "date": "2026-06-08"}, services,
                     executor=LocalExecutor(), history=history)
    remote = run_flow("reminder", {"team": TEAM, "date": "2026-06-09"}, services,
                      executor=dask_executor, history=history)

    assert first.state.is_successful()
    assert local.state.is_successful() and remote.state.is_successful()
    assert dms(standin) == Counter({f"D{user}": 3 for user in MEMBERS[:4]})
    assert _events_by_task(history, remote) == _events_by_task(history, local)


def test_the_standup_posts_one_digest_from_the_workers(
    parent: tuple[Services, RunHistory], standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    services, history = parent
    add_members(services.store, MEMBERS[:3])
    post_update(services.store, MEMBERS[0], "Reviews")
    at_standup = Services(services.store, services.chat, services.settings,
                          now=FixedClock(STANDUP_AT))

    first = run_flow("standup", {"team": TEAM}, at_standup, executor=dask_executor,
                     history=history)
    second = run_flow("standup", {"team": TEAM}, at_standup, executor=dask_executor)

    assert first.state.is_successful(), first.state
    assert second.state.is_successful(), second.state
    [digest] = standin.posted_messages("#general")
    assert digest["text"] == "Standup for Monday 8 June: 1 posted, 2 missing"
    detail = history.get_run(first.id)
    assert detail is not None and detail.run.state == "Success"
    assert [e.method for e in detail.events if e.system == "slack"][-1] == "chat.postMessage"


def test_each_worker_opens_its_services_once_and_reuses_them(
    parent: tuple[Services, RunHistory], dask_executor: DaskExecutor
) -> None:
    services, _ = parent
    add_members(services.store, MEMBERS)
    before = dask_executor.client.run(services_opened_here)

    for date in ("2026-06-08", "2026-06-09", "2026-06-10"):
        run_flow("reminder", {"team": TEAM, "date": date}, services, executor=dask_executor)

    after = dask_executor.client.run(services_opened_here)
    new = {worker: set(after[worker]) - set(before.get(worker, ())) for worker in after}
    assert all(len(keys) <= 1 for keys in new.values()), new  # one per description
    assert len(set().union(*new.values())) == 1  # the same description on every worker


def test_a_worker_killed_mid_fan_out_sends_nothing_twice(
    parent: tuple[Services, RunHistory], standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    services, history = parent
    add_members(services.store, MEMBERS)
    # Slow posts: once two are recorded, each worker (one thread) has one in flight, so
    # the kill lands between Slack taking a message and the worker settling its claim.
    standin.set_latency(2.0, "chat.postMessage")
    pids = dask_executor.client.run(os.getpid)
    result: list[FlowRun] = []
    runner = threading.Thread(target=lambda: result.append(
        run_flow("reminder", {"team": TEAM}, services, executor=dask_executor, history=history)
    ))

    runner.start()
    deadline = time.monotonic() + 60
    while len(standin.calls_to("chat.postMessage")) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(next(iter(pids.values())), signal.SIGKILL)
    standin.set_latency(0.0, "chat.postMessage")
    runner.join(timeout=120)
    assert not runner.is_alive()

    [run] = result
    assert run.state.is_successful(), run.state
    assert dms(standin) == Counter({f"D{user}": 1 for user in MEMBERS})
    # the retry on the other worker asked Slack what the dead one had sent
    assert standin.calls_to("conversations.history")
    delivered = [d.target for d in services.store.list_deliveries(TEAM, DATE) if d.sent]
    assert sorted(delivered) == list(MEMBERS)
    detail = history.get_run(run.id)
    assert detail is not None and detail.run.state == "Success"
    assert len([t for t in detail.task_runs if t.task == "send_reminder"]) == 1 + len(MEMBERS)


def test_an_event_published_on_a_worker_starts_its_automation_once(
    parent: tuple[Services, RunHistory], standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    services, history = parent
    add_members(services.store, MEMBERS[:3])
    gone = MEMBERS[1]
    standin.fail_for_channel(gone, "account_inactive", methods=("chat.postMessage",))
    standin.world.delete_user(gone)

    run = run_flow("reminder", {"team": TEAM}, services, executor=dask_executor, history=history)

    assert run.state.is_successful(), run.state
    member = services.store.get_member(gone)
    assert member is not None and not member.is_active  # marked by the automation
    [automation] = history.list_flow_runs(flow=MEMBER_INACTIVE_FLOW)
    assert automation.state == "Success"
    assert automation.parameters["event_id"] == f"{run.id}/{gone}"
    detail = history.get_run(run.id)
    assert detail is not None
    assert [e.target for e in detail.events if e.method == "account_inactive"] == [gone]
