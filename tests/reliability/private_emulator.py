"""A Firestore emulator of a test module's own, to kill, restart and freeze under a working
Marvin, and the helpers its fault tests share (bounded runs, waits, fault timing).

The fixtures `private_emulator` (one per session: started once, restarted when a test
killed it) and `firestore` (a fresh project on it per test) are registered by

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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from marvin.engine import FlowRun
from marvin.slack.app import build_app, dispatch
from marvin.store import Store, StoreError
from marvin.store.firestore.store import FirestoreStore
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app
from tests.reliability.conftest import (
    REMINDER_AT,
    SIGNING_SECRET,
    make_settings,
    run,
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


@pytest.fixture(scope="session")
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


# Marvin on the private emulator, as `marvin serve` runs it -----------------------------------

MEMBERS = tuple(f"U{5000 + i}" for i in range(5))
POSTED = MEMBERS[0]
NEEDING = MEMBERS[1:]
OLD, NEW = "U5200", "U5201"


def standup(http: httpx.Client, user: str, text: str) -> tuple[httpx.Response, float]:
    body = slash_command_body(text=text, user_id=user, user_name=f"name-{user}")
    started = time.monotonic()
    response = http.post("/slack/events", content=body,
                         headers=signed_headers(SIGNING_SECRET, body))
    return response, time.monotonic() - started


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
