"""`marvin run reminder` SIGKILLed mid-run, then run again: nobody twice, and nobody lost?

The real console script runs against a Slack stand-in that answers every call after
0.1 s, on the sequential executor (MARVIN_EXECUTOR=local), so the nine DMs go out one by
one: claim, ``chat.postMessage`` to the user id, complete. The process is killed
with SIGKILL (no handler, no ``finally``: a crash, an OOM kill, a lost VM) once three DMs
are out, at one of two points of the fourth member's send:

- ``claimed``: claimed in the store, nothing posted: Slack answered their post 429 and
  the client is waiting out the Retry-After;
- ``posting``: their message has reached Slack (the stand-in accepted it), but the
  answer never reaches the dead process: claimed, posted, never completed.

Then a normal ``marvin run reminder`` follows, as an operator, or a restarted
``marvin serve`` catching up its missed slot, would do: at once (the default
MARVIN_DELIVERY_LEASE_SECONDS=300 still protects the dead run's claim), or after the lease
(set to 1 s here), when the claim is taken over and Slack is asked (by the delivery key in
the message metadata) whether the message already went out.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DEFAULT_TEAM, Delivery, Member
from marvin.store import open_history, open_store
from marvin.store.liveness import this_process
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-kill-mid-run-token"
DATE = "2026-06-08"
MEMBERS = tuple(f"U{3000 + i}" for i in range(10))
POSTED = MEMBERS[0]  # posted an update: never reminded
NEEDING = MEMBERS[1:]
POSTED_AT = dt.datetime(2026, 6, 8, 7, 30, tzinfo=dt.UTC)
LATENCY = 0.1  # seconds, on every Web API call
DMS_BEFORE_KILL = 3
SHORT_LEASE = 1  # seconds (the setting's minimum)
WAIT = 30.0  # every wait below is bounded by this


@dataclass(frozen=True)
class Outcome:
    """What the killed run and the re-run left behind."""

    dms: Counter[str]  # user id -> DMs that Slack accepted, over both runs
    dms_at_kill: Counter[str]
    in_flight: str  # the member whose send the kill interrupted
    deliveries: dict[str, Delivery]  # the store's record per user, after the re-run
    rerun_code: int
    rerun_output: str
    killed_run_state: str  # "state: message" of the killed run's record in the run history


def marvin(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "marvin"), *args]


def dm_counts(slack: SlackStandIn) -> Counter[str]:
    """DMs Slack accepted, per user (the stand-in names a user's DM channel ``D`` + id)."""
    return Counter(
        str(params["channel"]).removeprefix("D")
        for params in slack.posted_messages()
        if str(params.get("channel", "")).startswith("D")
    )


def kill_mid_send(proc: subprocess.Popen[str], slack: SlackStandIn, point: str) -> str:
    """SIGKILL `proc` at `point` of the send after the first DMS_BEFORE_KILL DMs.

    Returns the user whose send was interrupted.
    """
    deadline = time.monotonic() + WAIT
    limit_injected = False
    while time.monotonic() < deadline:
        posts = slack.calls_to("chat.postMessage")
        if point == "claimed" and not limit_injected and len(posts) == DMS_BEFORE_KILL:
            # the next post arrives >= LATENCY later: the 3rd is still being answered
            slack.fail_next("chat.postMessage", status=429, retry_after=5)
            limit_injected = True
        limited = [c for c in posts if c.outcome == "http:429"]
        if (point == "claimed" and limited) or (
                point == "posting" and len(posts) > DMS_BEFORE_KILL):
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            return str((limited or posts[DMS_BEFORE_KILL:])[0].params.get("channel"))
        if proc.poll() is not None or len(posts) > DMS_BEFORE_KILL + 1:
            break
        time.sleep(0.005)
    proc.kill()
    proc.wait(timeout=10)
    output = proc.stdout.read() if proc.stdout else ""
    pytest.fail(f"could not kill marvin run at {point!r} (code {proc.returncode}):\n{output}")


def kill_and_rerun(tmp: Path, point: str, lease: int | None) -> Outcome:
    """Kill a reminder run at `point`, then run it again (after `lease` s, if given)."""
    db = tmp / "marvin.db"
    store = open_store(f"sqlite:///{db}")
    for user in MEMBERS:
        store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
    store.append_update(DEFAULT_TEAM, DATE, POSTED, "done", POSTED_AT)
    store.close()
    with SlackStandIn() as slack:
        slack.set_latency(LATENCY)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack.url,
            "MARVIN_STORE": f"sqlite:///{db}",
            "MARVIN_EXECUTOR": "local",  # one DM after the other
            "MARVIN_TIMEZONE": "UTC",
            "MARVIN_STANDUP_DAYS": "daily",
        }
        if lease is not None:
            env["MARVIN_DELIVERY_LEASE_SECONDS"] = str(lease)
        command = marvin("run", "reminder", "--date", DATE)
        proc = subprocess.Popen(
            command, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            in_flight = kill_mid_send(proc, slack, point)
            killed_at = time.monotonic()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout:
                proc.stdout.close()
        # the interrupted call finishes at the stand-in; with a lease, let the claim go stale
        time.sleep(max(LATENCY + 0.1, (lease or 0) + 0.2 - (time.monotonic() - killed_at)))
        at_kill = dm_counts(slack)
        rerun = subprocess.run(
            command, cwd=tmp, env=env, capture_output=True, text=True, timeout=WAIT
        )
        dms = dm_counts(slack)
    store = open_store(f"sqlite:///{db}")
    history = open_history(f"sqlite:///{db}")
    try:
        deliveries = {d.target: d for d in store.list_deliveries(DEFAULT_TEAM, DATE)}
        runs = history.list_flow_runs(flow="reminder")
    finally:
        store.close()
        history.close()
    killed = f"{runs[-1].state}: {runs[-1].message}" if len(runs) == 2 else f"{len(runs)} runs"
    return Outcome(dms, at_kill, in_flight, deliveries, rerun.returncode,
                   rerun.stdout + rerun.stderr, killed)


SCENARIOS = {
    # name: (kill point, lease for the re-run: None = the default 300 s, re-run at once)
    "claimed-rerun-at-once": ("claimed", None),
    "claimed-rerun-after-lease": ("claimed", SHORT_LEASE),
    "posting-rerun-after-lease": ("posting", SHORT_LEASE),
}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Each scenario, run once for the module (lazily, on first use)."""

    class Lazy(dict[str, Outcome]):
        def __missing__(self, name: str) -> Outcome:
            point, lease = SCENARIOS[name]
            self[name] = kill_and_rerun(tmp_path_factory.mktemp(name), point, lease)
            return self[name]

    yield Lazy()


def lost(outcome: Outcome) -> dict[str, Delivery | None]:
    """Members who had not posted and got no DM at all, with their delivery record."""
    return {u: outcome.deliveries.get(u) for u in NEEDING if outcome.dms[u] == 0}


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_kill_landed_mid_send(outcomes: dict[str, Outcome], name: str) -> None:
    """The fault is where it should be: three DMs out, the fourth member's send cut."""
    outcome = outcomes[name]
    point, _ = SCENARIOS[name]
    assert outcome.in_flight == NEEDING[DMS_BEFORE_KILL]
    sent_at_kill = DMS_BEFORE_KILL + (1 if point == "posting" else 0)
    assert sum(outcome.dms_at_kill.values()) == sent_at_kill
    assert (outcome.in_flight in outcome.dms_at_kill) == (point == "posting")
    assert outcome.deliveries[NEEDING[-1]].sent  # the re-run finished the job


@pytest.mark.parametrize("name", SCENARIOS)
def test_nobody_is_reminded_twice(
    outcomes: dict[str, Outcome], name: str, tally: Counter[str]
) -> None:
    outcome = outcomes[name]
    duplicates = {user: n for user, n in outcome.dms.items() if n > 1}
    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += sum(n - 1 for n in duplicates.values())
    tally["messages lost"] += len(
        lost(outcome)
    )
    assert duplicates == {}
    assert outcome.dms[POSTED] == 0
    assert outcome.rerun_code == 0, outcome.rerun_output




@pytest.mark.parametrize("name", SCENARIOS)
def test_the_killed_run_is_recorded_as_crashed_not_running_forever(
    outcomes: dict[str, Outcome], name: str
) -> None:
    """The re-run (`marvin run`) sees the killed run's process is gone and closes its
    record: `marvin runs` and the dashboard say it crashed, not that it still runs."""
    state = outcomes[name].killed_run_state
    assert state.startswith("Failed: crashed: the process running it ("), state
    assert "died before the run ended" in state


def test_an_immediate_rerun_loses_nobody(outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes["claimed-rerun-at-once"]
    assert lost(outcome) == {}, f"never reminded (with their delivery): {lost(outcome)}"


@pytest.mark.parametrize("name", ["claimed-rerun-after-lease", "posting-rerun-after-lease"])
def test_a_rerun_after_the_lease_loses_nobody(outcomes: dict[str, Outcome], name: str) -> None:
    """The stale claim is taken over; Slack is asked whether the DM went out first."""
    outcome = outcomes[name]
    assert lost(outcome) == {}
    assert outcome.dms == Counter({user: 1 for user in NEEDING})
    assert all(outcome.deliveries[user].sent for user in NEEDING)


def test_a_restarted_container_takes_over_its_predecessors_claim(
    tmp_path: Path, tally: Counter[str]
) -> None:
    """This very process plays the restarted container: same host, same pid, another start."""
    from marvin.engine import LocalExecutor
    from tests.reliability.conftest import (
        REMINDER_AT,
        run,
        services_on,
    )

    store = open_store(f"sqlite:///{tmp_path / 'marvin.db'}")
    try:
        store.save_member(Member("U3100", DEFAULT_TEAM, "restarted"))
        crashed_at = REMINDER_AT - dt.timedelta(seconds=30)  # the crash, just before
        # the owner a dead predecessor with our host name and our pid left behind
        host, pid, start = this_process().split(":")
        predecessor = f"{host}:{pid}:{int(start) - 100 if start.isdigit() else 1}"
        store.claim_delivery(
            DeliveryKey.reminder(DEFAULT_TEAM, DATE, "U3100"), crashed_at, predecessor
        )
        with SlackStandIn() as slack:
            services = services_on(slack.url, store)
            flow_run = run("reminder", {"team": DEFAULT_TEAM, "date": DATE}, services,
                           LocalExecutor())
            dms = dm_counts(slack)
    finally:
        store.close()
    tally["faults injected"] += 1
    tally["runs"] += 1
    tally["messages lost"] += 1 - min(dms["U3100"], 1)
    assert flow_run.state.is_successful()
    assert dms == Counter({"U3100": 1})


@pytest.mark.parametrize("backend", ["sqlite", "firestore"])
def test_a_killed_run_leaves_what_it_did_in_its_record(
    tmp_path: Path, tally: Counter[str], request: pytest.FixtureRequest, backend: str
) -> None:
    """The recorder writes as the run goes (every FLUSH_SECONDS at most): killed after
    that long, the run's record holds its task runs and Slack calls, not nothing."""
    from marvin.history.recorder import FLUSH_SECONDS

    url, project, where = f"sqlite:///{tmp_path / 'marvin.db'}", None, {}
    if backend == "firestore":
        url, project = "firestore", request.getfixturevalue("firestore_project")
        where = {"GOOGLE_CLOUD_PROJECT": project,
                 "FIRESTORE_EMULATOR_HOST": request.getfixturevalue("firestore_emulator")}
    store = open_store(url, project=project)
    for user in MEMBERS:
        store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
    store.close()
    with SlackStandIn() as slack:
        slack.set_latency(0.3)  # ten DMs take ~6 s: the kill lands mid-way
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_API_URL": slack.url,
            "MARVIN_STORE": url,
            "MARVIN_EXECUTOR": "local",
            "MARVIN_TIMEZONE": "UTC",
            "MARVIN_STANDUP_DAYS": "daily",
            **where,
        }
        proc = subprocess.Popen(marvin("run", "reminder", "--date", DATE), cwd=tmp_path,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + WAIT
            while not slack.calls_to("chat.postMessage"):
                assert proc.poll() is None and time.monotonic() < deadline, "no DM went out"
                time.sleep(0.01)
            time.sleep(FLUSH_SECONDS + 0.5)  # a background batch is due in this time
            assert proc.poll() is None, "the run ended before it could be killed"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        dms = dm_counts(slack)
    history = open_history(url, project=project)
    try:
        (killed,) = history.list_flow_runs(flow="reminder")
        detail = history.get_run(killed.id)
    finally:
        history.close()
    tally["faults injected"] += 1
    tally["runs"] += 1

    assert 0 < sum(dms.values()) < len(MEMBERS), dms  # killed mid-way
    assert detail is not None and killed.state == "Running"  # nobody closed it yet
    sent = {t.map_index for t in detail.task_runs
            if t.task == "send_reminder" and t.map_index is not None and t.state == "Success"}
    posted = [e for e in detail.events if e.method == "chat.postMessage" and e.outcome == "ok"]
    assert sent and posted, [(t.task, t.state) for t in detail.task_runs]
    assert len(sent) <= sum(dms.values())  # nothing is recorded that did not happen
    assert len(posted) <= sum(dms.values())
