"""`/standup`, /healthz and the digest through one store outage, as `marvin serve` lives it.

The private Firestore emulator (tests/support/private_emulator.py) is frozen or killed
under the production wiring: the web app with the real Bolt app, and flows run as the
scheduler runs them. While the store is down, `/standup` answers "not saved" within
Slack's 3 s and writes nothing, /healthz reports it before Docker's probe gives up, and
the digest fails cleanly; once the store is back, all of it works again and the digest is
posted exactly once.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from marvin.app import build_store
from marvin.domain.models import Update
from marvin.engine import FlowRun, ThreadExecutor
from marvin.interactions.standup_command import NOT_SAVED
from marvin.slack.app import build_app, dispatch
from marvin.store.firestore.store import FirestoreStore
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from marvin.web.serve import check_health
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    REMINDER_AT,
    STANDUP_AT,
    TEAM,
    add_members,
    make_settings,
    post_update,
    services_on,
)
from tests.reliability.private_emulator import (
    CHANNEL,
    MEMBERS,
    NEW,
    OLD,
    SLACK_DEADLINE,
    STORE_TIMEOUT,
    WAIT,
    Emulator,
    Firestore,
    answer_text,
    assert_failed_cleanly,
    run_bounded,
    serve_standup,
    standup,
    wait_until_back,
)

# (b) + (c) one outage under a server and a scheduler, as `marvin serve` would live it -------

def test_healthz_reports_a_frozen_store_before_dockers_probe_gives_up(
    firestore: Firestore,
) -> None:
    """A deadline check: the probe's own 4 s timeout (Dockerfile). Before, /healthz waited
    out the store's 10 s timeout, and the probe timed out instead of reading the 503."""
    store = firestore.connect(timeout=10.0)  # the production timeout
    store.list_teams()
    web = build_web_app(None, lambda: check_health(store, lambda: True))
    with serve_in_thread(web) as (url, _stop):
        firestore.emulator.freeze()
        try:
            response = httpx.get(f"{url}/healthz", timeout=4.0)
        finally:
            firestore.emulator.thaw()
        assert response.status_code == 503
        assert response.json() == {"ok": False, "store": False, "scheduler": True}
        assert httpx.get(f"{url}/healthz", timeout=WAIT).status_code == 200  # thawed


@dataclass(frozen=True)
class Outage:
    """What one store outage did to `/standup` and to the digest, and how both recovered."""

    standups: dict[str, tuple[httpx.Response, float]]  # user -> (answer, seconds taken)
    digest_down: FlowRun  # the digest run during the outage
    digest_down_seconds: float
    posted_down: list[dict[str, Any]]  # to the digest channel, during the outage
    alerts_down: list[dict[str, Any]]
    back_after: float  # seconds from the restart until the running app's store answered
    standup_after: str  # the answer to a /standup once the store is back
    updates_after: list[Update]
    digests_after: list[FlowRun]  # two runs after recovery
    posted_after: list[dict[str, Any]]


@pytest.fixture(scope="module")
def outage(private_emulator: Emulator) -> Iterator[Outage]:
    """Kill the store under a `/standup` server wired as `marvin serve` wires it (Firestore,
    the default 10 s timeout) while the digest flow runs too; restart it (empty) under them.
    """
    private_emulator.ensure_up()
    with (
        pytest.MonkeyPatch.context() as env,
        SlackStandIn() as slack,
    ):
        env.setenv("FIRESTORE_EMULATOR_HOST", private_emulator.host)
        project = f"faults-{uuid.uuid4().hex[:10]}"
        settings = make_settings(slack.url, store="firestore", google_cloud_project=project)
        app_store = build_store(settings)  # production timeout
        flow_store = FirestoreStore(project=project, timeout=STORE_TIMEOUT)
        services = services_on(slack.url, flow_store, at=STANDUP_AT)
        params: dict[str, object] = {"team": TEAM, "standup_channel": CHANNEL}
        try:
            bolt = build_app(settings, app_store, lambda: REMINDER_AT)
            web = build_web_app(functools.partial(dispatch, bolt), lambda: {"ok": True},
                                slack_threads=settings.slack_thread_count())
            with (
                serve_in_thread(web) as (url, _stop),
                httpx.Client(base_url=url, timeout=WAIT) as http,
                ThreadPoolExecutor(2) as pool,
            ):
                app_store.list_teams()  # the cold JVM's first call, outside the timings
                flow_store.list_teams()
                assert "Thanks" in answer_text(standup(http, OLD, "before the outage")[0])

                private_emulator.kill()
                pending = {u: pool.submit(standup, http, u, f"{u} during the outage")
                           for u in (OLD, NEW)}
                digest_down, digest_down_seconds = run_bounded("standup", params, services,
                                                               ThreadExecutor(2))
                standups = {u: future.result(timeout=WAIT) for u, future in pending.items()}
                posted_down = slack.posted_messages(CHANNEL)
                alerts_down = slack.posted_messages(ALERTS)

                private_emulator.start()  # empty: the emulator keeps nothing across a restart
                back_after = wait_until_back(app_store)
                wait_until_back(flow_store)
                standup_after = answer_text(standup(http, NEW, "after the outage")[0])
                updates_after = flow_store.list_updates(TEAM, DATE)
                add_members(flow_store, MEMBERS)  # data written after the restart
                post_update(flow_store, MEMBERS[1], "written after the restart")
                digests_after = [run_bounded("standup", params, services, ThreadExecutor(2))[0]
                                 for _ in range(2)]
                posted_after = slack.posted_messages(CHANNEL)
        finally:
            app_store.close()
            flow_store.close()
    yield Outage(standups, digest_down, digest_down_seconds, posted_down, alerts_down,
                 back_after, standup_after, updates_after, digests_after, posted_after)


def test_standup_while_store_is_down_answers_not_saved(
    outage: Outage, tally: Counter[str]
) -> None:
    tally["faults injected"] += 1
    tally["slash commands during a store outage"] += len(outage.standups)
    assert set(outage.standups) == {OLD, NEW}
    for response, _ in outage.standups.values():
        text = answer_text(response)
        assert text == NOT_SAVED
        assert "Thanks" not in text


def test_standup_works_again_once_the_store_is_back(outage: Outage) -> None:
    """The running app recovers by itself; nothing from the outage resurfaces."""
    assert outage.back_after < WAIT
    assert "Thanks" in outage.standup_after
    assert [(u.user_id, u.entries) for u in outage.updates_after] == [
        (NEW, ("after the outage",))
    ]


def test_standup_answers_within_slacks_deadline_while_store_is_down(outage: Outage) -> None:
    """The production wiring keeps the store's 10 s timeout for flows, but `/standup`
    gives the store `marvin.interactions.standup_command.STORE_BUDGET` (2 s), so the user
    reads Marvin's "not saved" rather than Slack's own timeout error."""
    took = {user: round(seconds, 1) for user, (_, seconds) in outage.standups.items()}
    assert max(took.values()) < SLACK_DEADLINE, f"seconds to answer: {took}"


def test_standup_while_store_hangs_answers_not_saved_and_writes_nothing(
    firestore: Firestore, standin: SlackStandIn
) -> None:
    """A frozen store (SIGSTOP) comes back with its data: nothing half-written in it."""
    store = firestore.connect(timeout=2.0)
    with serve_standup(store, standin) as http:
        assert "Thanks" in answer_text(standup(http, OLD, "before")[0])
        firestore.emulator.freeze()
        with ThreadPoolExecutor(2) as pool:
            during = dict(zip((OLD, NEW), pool.map(
                lambda user: standup(http, user, f"{user} during"), (OLD, NEW)), strict=True))
        firestore.emulator.thaw()
        answers = {user: (answer_text(r), round(t, 2)) for user, (r, t) in during.items()}
        assert all(text == NOT_SAVED for text, _ in answers.values()), answers
        wait_until_back(store)
        time.sleep(0.5)  # anything the frozen server had queued is applied by now
        assert store.get_member(NEW) is None, answers  # not joined either
        assert [(u.user_id, u.entries) for u in store.list_updates(TEAM, DATE)] == [
            (OLD, ("before",))
        ]
        again = answer_text(standup(http, OLD, "during, again")[0])
    assert "(part 2)" in again
    assert store.list_updates(TEAM, DATE)[0].entries == ("before", "during, again")


def test_digest_with_store_down_fails_cleanly(outage: Outage, tally: Counter[str]) -> None:
    tally["runs"] += 1
    assert_failed_cleanly(outage.digest_down)
    assert outage.digest_down_seconds < 10, outage.digest_down_seconds
    assert "Firestore" in str(outage.digest_down.task_run("get_digest_date").state.message)
    assert outage.posted_down == []
    assert len(outage.alerts_down) == 1  # the failed run alerts (Slack is fine)


def test_digest_after_recovery_is_posted_exactly_once(
    outage: Outage, tally: Counter[str]
) -> None:
    """Re-run twice with data written after the restart: one digest, then a skip."""
    tally["runs"] += len(outage.digests_after)
    tally["duplicates"] += max(0, len(outage.posted_after) - 1)
    tally["messages lost"] += 1 if not outage.posted_after else 0
    states = [r.task_run("post_digest").state.name for r in outage.digests_after]
    assert states == ["Success", "Skipped"]
    assert len(outage.posted_after) == 1
    blocks = str(outage.posted_after[0]["blocks"])
    assert "written after the restart" in blocks and "after the outage" in blocks

