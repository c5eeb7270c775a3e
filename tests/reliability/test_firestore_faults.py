"""Faults of the store: the Firestore emulator killed (or frozen) under a working Marvin.

This module runs a PRIVATE emulator (its own port, not the session's), because it kills
it: SIGKILL of the whole JVM (the store is gone: connections refused), then a restart on
the same port. The emulator keeps its data in memory only, so a restart comes back EMPTY:
checks that need the data to survive the outage (a re-run must skip what was sent) use a
second backend instead, SQLite behind `DownableStore`, a Store wrapper that refuses every call
while "down" (what a dead server does: nothing reaches it, nothing is applied). Freezing
the JVM (SIGSTOP, then SIGCONT) is the other fault used: the store hangs, calls time out,
and it comes back WITH its data.

Flows run as `marvin.app.run_flow` does (through the suite's `run`, whose engine
clock skips retry delays) on the production Slack client and a stand-in; the store is a
`FirestoreStore` with a 1 s timeout (the production default is 10 s), so an outage costs
seconds. The `/standup` outage runs the production wiring and the default timeout.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from marvin.app import build_store
from marvin.domain.digest import digest_messages
from marvin.domain.models import Update
from marvin.engine import FlowRun, ThreadExecutor
from marvin.interactions.standup_command import NOT_SAVED, UNCONFIRMED
from marvin.slack.app import build_app, dispatch
from marvin.store import Store, StoreError
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore
from marvin.store.teams import resolve_team
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from marvin.web.serve import check_health
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    REMINDER_AT,
    SIGNING_SECRET,
    STANDUP_AT,
    TEAM,
    add_members,
    make_settings,
    post_update,
    run,
    services_on,
)
from tests.support import firestore_emulator as emulator
from tests.support.firestore_faults import FirestoreFaults

STORE_TIMEOUT = 1.0  # seconds per store call in the flow tests (production: 10)
WAIT = 30.0  # every other wait is bounded by this
CHANNEL = "#general"
SLACK_DEADLINE = 3.0  # seconds Slack waits for a slash command's answer


# The private emulator ---------------------------------------------------------------------


class Emulator:
    """A Firestore emulator of this module's own, on a fixed port: kill, restart, freeze."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.host = f"{emulator.HOST}:{port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.frozen = False
        self.faults = 0

    def start(self) -> None:
        self.proc = emulator.start(self.port, log=self.log)
        emulator.wait_ready(self.host, timeout=60, proc=self.proc)

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the JVM (its whole process group): gone, with all its data."""
        assert self.proc is not None
        self.thaw()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.faults += 1

    def freeze(self) -> None:
        """SIGSTOP the JVM: connections stay open, nothing answers."""
        assert self.proc is not None and self.up
        os.killpg(self.proc.pid, signal.SIGSTOP)
        self.frozen = True
        self.faults += 1
        deadline = time.monotonic() + 5  # SIGSTOP is asynchronous: wait for every thread
        while not _all_threads_stopped(self.proc.pid):
            assert time.monotonic() < deadline, "the emulator's JVM did not stop"
            time.sleep(0.01)

    def thaw(self) -> None:
        if self.frozen and self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGCONT)
            self.frozen = False

    def ensure_up(self) -> None:
        self.thaw()
        if not self.up:
            self.start()

    def stop(self) -> None:
        self.thaw()
        if self.proc is not None:
            emulator.stop(self.proc)


def _all_threads_stopped(pid: int) -> bool:
    """Every thread of `pid` is in state T (stopped), per /proc (Linux, as the emulator)."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            state = stat.read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # a thread that just ended
        if state not in ("T", "t"):
            return False
    return True


@pytest.fixture(scope="module")
def private_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    log = tmp_path_factory.mktemp("private-firestore") / "emulator.log"
    em = Emulator(emulator.free_port(), log)
    try:
        em.start()
    except emulator.EmulatorError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield em
    finally:
        em.stop()


@dataclass
class Firestore:
    """This test's project on the private emulator; `connect` opens stores on it."""

    emulator: Emulator
    project: str
    opened: list[FirestoreStore]

    def connect(self, timeout: float = STORE_TIMEOUT) -> FirestoreStore:
        """A store on this project whose calls go through a `FirestoreFaults` (its public
        ``intercept`` seam; see `answer_lost`)."""
        store = FirestoreStore(project=self.project, timeout=timeout, intercept=FirestoreFaults())
        self.opened.append(store)
        return store

    def warm_up(self) -> None:
        """The first call into a (re)started JVM takes ~1-4 s: pay it outside any timing."""
        self.connect(timeout=WAIT).list_teams()


@pytest.fixture
def firestore(
    private_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, tally: Counter[str]
) -> Iterator[Firestore]:
    """A fresh project on the private emulator (restarted if a test killed it)."""
    private_emulator.ensure_up()
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", private_emulator.host)
    faults_before = private_emulator.faults
    fs = Firestore(private_emulator, f"faults-{uuid.uuid4().hex[:10]}", [])
    fs.warm_up()
    try:
        yield fs
    finally:
        private_emulator.thaw()
        for store in fs.opened:
            store.close()
        tally["faults injected"] += private_emulator.faults - faults_before


def wait_until_back(store: Store) -> float:
    """Poll `store` until a call succeeds (gRPC reconnects with backoff); seconds taken."""
    started = time.monotonic()
    while True:
        try:
            store.list_teams()
            return time.monotonic() - started
        except StoreError:
            if time.monotonic() - started > WAIT:
                raise
            time.sleep(0.1)


def when_first_call(slack: SlackStandIn, method: str, channel_prefix: str,
                    then: Callable[[], None]) -> threading.Thread:
    """A thread that runs `then` as soon as a `method` call to such a channel reaches Slack."""

    def watch() -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            wanted = slack.world.canonical(channel_prefix)  # "#general" is posted to by id
            if any(slack.world.canonical(str(c.params.get("channel", ""))).startswith(wanted)
                   for c in slack.calls_to(method)):
                then()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=watch, name="fault-injector", daemon=True)
    thread.start()
    return thread


def run_bounded(name: str, parameters: dict[str, object], services: Any,
                executor: Any) -> tuple[FlowRun, float]:
    """Run a flow in a thread; fail if it hangs past WAIT or if anything escapes it."""
    result: list[FlowRun] = []
    escaped: list[BaseException] = []

    def target() -> None:
        try:
            result.append(run(name, parameters, services, executor))
        except BaseException as exc:  # noqa: BLE001 - reported below: nothing may escape
            escaped.append(exc)

    started = time.monotonic()
    thread = threading.Thread(target=target, name=f"{name}-run", daemon=True)
    thread.start()
    thread.join(WAIT)
    elapsed = time.monotonic() - started
    assert not thread.is_alive(), f"the {name} run hung for more than {WAIT:.0f} s"
    assert not escaped, f"an exception escaped the {name} run: {escaped[0]!r}"
    return result[0], elapsed


def assert_failed_cleanly(flow_run: FlowRun) -> None:
    """Failed, every task run (mapped children included) finished with a state."""
    assert flow_run.state.is_failed(), flow_run.state
    unfinished = [t.name for t in flow_run.all_task_runs() if not t.state.is_finished()]
    assert unfinished == []


def dm_counts(slack: SlackStandIn) -> Counter[str]:
    return Counter(
        str(params["channel"]).removeprefix("D")
        for params in slack.posted_messages()
        if str(params.get("channel", "")).startswith("D")
    )


# (a) the store dies in the middle of a reminder run -----------------------------------------

MEMBERS = tuple(f"U{5000 + i}" for i in range(5))
POSTED = MEMBERS[0]
NEEDING = MEMBERS[1:]


def test_store_killed_mid_reminder_run_fails_cleanly_and_reminds_nobody_twice(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    store = firestore.connect()
    add_members(store, MEMBERS)
    post_update(store, POSTED, "done")
    standin.set_latency(0.4, "chat.postMessage")
    services = services_on(standin.url, store)
    when_first_call(standin, "chat.postMessage", "D", firestore.emulator.kill)

    flow_run, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))

    dms = dm_counts(standin)
    tally["runs"] += 1
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    assert not firestore.emulator.up  # the fault did happen, mid-run
    assert_failed_cleanly(flow_run)
    # Each send takes at most 4 attempts of one store call (1 s) after the outage began,
    # two at a time: no call waits for the store beyond its timeout, so `run_bounded`'s
    # deadline (WAIT) holds with a wide margin.
    assert all(n == 1 for n in dms.values()), dms  # nobody twice
    assert 0 < len(dms) < len(NEEDING)  # some went out before the outage, some never did
    assert dms[POSTED] == 0
    children = flow_run.task_run("send_reminder").children or []
    for member, child in zip(MEMBERS, children, strict=True):
        if member in NEEDING:  # their DM went out or not, the store could not record it
            assert child.state.is_failed() and "Firestore" in str(child.state.message), child
    assert standin.posted_messages(CHANNEL) == []
    assert len(standin.posted_messages(ALERTS)) == 1  # the failed run alerts


def test_store_hanging_while_a_long_digest_is_posted_posts_every_part_once(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    store = firestore.connect()
    members = tuple(f"U{5100 + i}" for i in range(15))
    add_members(store, members)
    for user in members:  # 4 sections each: the digest needs more than one message
        post_update(store, user, f"{user} " + "progress, " * 1_100)
    services = services_on(standin.url, store, STANDUP_AT)
    parts = len(digest_messages(resolve_team(store, services.settings, TEAM), DATE,
                                store.list_updates(TEAM, DATE), store.list_members(TEAM)))
    assert parts >= 2
    standin.set_latency(0.3, "chat.postMessage")
    # this time the store hangs (SIGSTOP) rather than dies: every call times out
    when_first_call(standin, "chat.postMessage", CHANNEL, firestore.emulator.freeze)

    flow_run, _ = run_bounded("standup", {"team": TEAM, "standup_channel": CHANNEL},
                              services, ThreadExecutor(2))

    posted = [m["text"] for m in standin.posted_messages(CHANNEL)]
    tally["runs"] += 1
    tally["duplicates"] += len(posted) - len(set(posted))
    assert firestore.emulator.frozen
    assert_failed_cleanly(flow_run)
    assert "Firestore" in str(flow_run.task_run("post_digest").state.message)
    # The store is not touched between parts: the digest went out whole, once, in order.
    assert len(posted) == parts
    assert all(f"part {i} of {parts}" in text for i, text in enumerate(posted, start=1))


# ... and the re-run after the outage, on a store that keeps its data --------------------------


class DownableStore:
    """A Store that refuses every call while `down` (as a dead server does), else delegates."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreError(f"SQLite {name} failed: the store is down (injected)")
            return attribute(*args, **kwargs)

        return call

    def go_down(self) -> None:
        self.down = True


def test_after_a_store_outage_mid_reminders_a_rerun_reminds_each_member_exactly_once(
    tmp_path: Path, standin: SlackStandIn, tally: Counter[str]
) -> None:
    sqlite = SqliteStore(str(tmp_path / "marvin.db"))
    try:
        add_members(sqlite, MEMBERS)
        post_update(sqlite, POSTED, "done")
        outage = DownableStore(sqlite)
        standin.set_latency(0.3, "chat.postMessage")
        services = services_on(standin.url, cast(Store, outage))

        when_first_call(standin, "chat.postMessage", "D", outage.go_down)
        failed, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))
        assert_failed_cleanly(failed)
        sent_in_outage = dm_counts(standin)
        assert 0 < len(sent_in_outage) < len(NEEDING)

        outage.down = False  # the store is back, with everything written before the outage
        again, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))
        dms = dm_counts(standin)
        deliveries = {d.target: d for d in sqlite.list_deliveries(TEAM, DATE)}
    finally:
        sqlite.close()
    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for u in NEEDING if dms[u] == 0)

    assert again.state.is_successful(), again.state
    assert dms == Counter({user: 1 for user in NEEDING})
    # Those DM'd during the outage keep an uncompleted claim (complete_delivery failed):
    # the re-run skips them (their DM did go out); the others are claimed and sent now.
    for user in sent_in_outage:
        assert not deliveries[user].sent
    assert all(deliveries[u].sent for u in NEEDING if u not in sent_in_outage)


def test_after_a_store_outage_mid_digest_a_rerun_posts_nothing_more(
    tmp_path: Path, standin: SlackStandIn, tally: Counter[str]
) -> None:
    sqlite = SqliteStore(str(tmp_path / "marvin.db"))
    try:
        members = tuple(f"U{5100 + i}" for i in range(15))
        add_members(sqlite, members)
        for user in members:
            post_update(sqlite, user, f"{user} " + "progress, " * 1_100)
        outage = DownableStore(sqlite)
        standin.set_latency(0.3, "chat.postMessage")
        services = services_on(standin.url, cast(Store, outage), at=STANDUP_AT)

        when_first_call(standin, "chat.postMessage", CHANNEL, outage.go_down)
        params: dict[str, object] = {"team": TEAM, "standup_channel": CHANNEL}
        failed, _ = run_bounded("standup", params, services, ThreadExecutor(2))
        assert_failed_cleanly(failed)
        parts = len(standin.posted_messages(CHANNEL))
        assert parts >= 2

        outage.down = False
        again, _ = run_bounded("standup", params, services, ThreadExecutor(2))
    finally:
        sqlite.close()
    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += len(standin.posted_messages(CHANNEL)) - parts

    assert again.state.is_successful(), again.state
    assert again.task_run("post_digest").state.is_skipped()
    assert len(standin.posted_messages(CHANNEL)) == parts  # whole, once


# (b) + (c) one outage under a server and a scheduler, as `marvin serve` would live it -------

OLD, NEW = "U5200", "U5201"


def standup(http: httpx.Client, user: str, text: str) -> tuple[httpx.Response, float]:
    body = slash_command_body(text=text, user_id=user, user_name=f"name-{user}")
    started = time.monotonic()
    response = http.post("/slack/events", content=body,
                         headers=signed_headers(SIGNING_SECRET, body))
    return response, time.monotonic() - started


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


def answer_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["response_type"] == "ephemeral", payload
    return str(payload["text"])


def serve_standup(store: FirestoreStore, standin: SlackStandIn) -> Any:
    """The real app over HTTP on `store`: a context manager yielding an httpx client."""

    @contextmanager
    def served() -> Iterator[httpx.Client]:
        bolt = build_app(make_settings(standin.url), store, lambda: REMINDER_AT)
        web = build_web_app(functools.partial(dispatch, bolt), lambda: {"ok": True},
                            slack_threads=16)
        with (
            serve_in_thread(web) as (url, _stop),
            httpx.Client(base_url=url, timeout=WAIT) as http,
        ):
            yield http

    return served()


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


# A write that lands, but whose answer is lost --------------------------------------------------


def answer_lost(
    store: FirestoreStore, collection: str, then: Callable[[], None] = lambda: None
) -> AbstractContextManager[list[str]]:
    """The next write to `collection` reaches Firestore and is applied, but its answer is
    lost: the client sees DEADLINE_EXCEEDED, which Firestore documents as "the operation
    may have completed"; `then` runs in between (another fault). Yields the documents
    whose answer was lost. `store` must come from `Firestore.connect`."""
    assert isinstance(store.intercept, FirestoreFaults)
    return store.intercept.answer_lost(collection, then)


def test_standup_whose_write_answer_is_lost_is_saved_once_and_says_thanks(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Firestore applies the append, the answer is lost (DEADLINE_EXCEEDED). Marvin reads
    the update again, finds its own write, and says "Thanks": the user has no reason to
    post again, and the entry is there once."""
    store = firestore.connect(timeout=2.0)
    with serve_standup(store, standin) as http:
        assert "Thanks" in answer_text(standup(http, OLD, "first")[0])
        with answer_lost(store, "updates") as lost:
            told = answer_text(standup(http, OLD, "second")[0])
    tally["faults injected"] += 1
    entries = store.list_updates(TEAM, DATE)[0].entries
    tally["duplicates"] += len(entries) - len(set(entries))
    assert lost
    assert "Thanks" in told and "(part 2)" in told, told
    assert entries == ("first", "second")


def test_standup_whose_write_answer_is_lost_while_the_store_hangs_says_unconfirmed(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """The append is applied, its answer lost, and the store hangs before Marvin can read
    it back: Marvin cannot know, so it says so (never "not saved", which would make the
    user post it twice, nor "Thanks"), within Slack's deadline. `/standup show` then
    shows it, once."""
    store = firestore.connect(timeout=2.0)
    with serve_standup(store, standin) as http:
        assert "Thanks" in answer_text(standup(http, OLD, "first")[0])
        with answer_lost(store, "updates", then=firestore.emulator.freeze) as lost:
            response, took = standup(http, OLD, "second")
        firestore.emulator.thaw()
        wait_until_back(store)
        shown = answer_text(standup(http, OLD, "show")[0])
    tally["faults injected"] += 2
    entries = store.list_updates(TEAM, DATE)[0].entries
    tally["duplicates"] += len(entries) - len(set(entries))
    assert lost
    assert answer_text(response) == UNCONFIRMED
    assert took < SLACK_DEADLINE, took
    assert entries == ("first", "second")
    assert "first" in shown and "second" in shown


def test_reminder_whose_claim_answer_is_lost_still_reaches_the_member(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Firestore creates the claim but the answer is lost: the task fails with StoreError.
    Its retry finds the claim made by its own earlier attempt, takes it over at once, asks
    Slack (nothing there) and sends the DM: once."""
    store = firestore.connect()
    add_members(store, ("U5300",))
    services = services_on(standin.url, store)
    with answer_lost(store, "deliveries") as lost:
        flow_run, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(1))
    assert lost
    dms = dm_counts(standin)
    tally["faults injected"] += 1
    tally["runs"] += 1
    tally["messages lost"] += 1 - min(dms["U5300"], 1)
    assert flow_run.state.is_successful(), flow_run.state
    assert flow_run.task_run("send_reminder").children[0].run_count == 2  # type: ignore[index]
    assert dms == Counter({"U5300": 1})
    assert [d.sent for d in store.list_deliveries(TEAM, DATE)] == [True]
