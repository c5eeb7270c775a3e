"""Replicas as real processes: two `marvin serve`, or two `marvin run`, on one SQLite file.

Two ``marvin serve`` processes start together on one store file and one Slack stand-in,
each with its own port. The team's clock is set so that a slot was missed two minutes
before start-up (downtime), so both schedulers' catch-up fires the same slot at the same
moment: one wins the slot's claim in the store and runs it, the other skips it, and a
restart afterwards runs nothing again. Two ``marvin run`` processes (reminder or nudge)
have no slot claim: only the store's delivery claims stand between the team and double
messages.
The time-zone trick is the one of tests/web/test_serve.py: a zone where it is about noon now,
so "two minutes ago" is today whatever the time in UTC.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.standup import active_standup_date, last_standup_date
from marvin.store import open_history, open_store
from marvin.store.run_records import FlowRunRecord
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-replicas-token"
SECRET = "replicas-signing-secret"
MEMBERS = tuple(f"U{4000 + i}" for i in range(6))
POSTED = MEMBERS[:2]
NEEDING = MEMBERS[2:]
CHANNEL = "#general"
REPLICAS = 2
WAIT = 30.0  # seconds: start-up, catch-up and runs, each bounded by this


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def marvin(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "marvin"), *args]


@dataclass(frozen=True)
class Clocks:
    """A team zone where it is about noon now, and HH:MM times relative to now there."""

    zone: str
    now: dt.datetime

    @classmethod
    def around_noon(cls) -> Clocks:
        now = dt.datetime.now(dt.UTC)
        offset = 12 - now.hour  # Etc/GMT-N is UTC+N
        zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
        return cls(zone, now)

    def hhmm(self, minutes_from_now: int) -> str:
        local = self.now.astimezone(ZoneInfo(self.zone))
        return (local + dt.timedelta(minutes=minutes_from_now)).strftime("%H:%M")

    def team(self, reminder: str, standup: str) -> Team:
        return Team(timezone=self.zone, standup_time=standup, reminder_time=reminder,
                    days=(0, 1, 2, 3, 4, 5, 6))


def base_env(tmp: Path, db: Path, slack: SlackStandIn) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "MARVIN_STORE": f"sqlite:///{db}",
        "MARVIN_STANDUP_CHANNEL": CHANNEL,
        "MARVIN_STANDUP_DAYS": "daily",
        "MARVIN_MISFIRE_GRACE_SECONDS": "600",
    }


def seed(db: Path, date: str) -> None:
    seed_store(f"sqlite:///{db}", None, date, MEMBERS, POSTED)


def seed_store(url: str, project: str | None, date: str, members: tuple[str, ...],
               posted: tuple[str, ...]) -> None:
    """The default team's `members`, of whom `posted` already posted for `date`."""
    store = open_store(url, project=project)
    try:
        for user in members:
            store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
        for user in posted:
            store.append_update(DEFAULT_TEAM, date, user, f"{user} shipped it",
                                dt.datetime.now(dt.UTC))
    finally:
        store.close()


def dm_counts(slack: SlackStandIn) -> Counter[str]:
    """Successful DMs per user (the stand-in names a user's DM channel ``D`` + user id)."""
    return Counter(
        str(params["channel"]).removeprefix("D")
        for params in slack.posted_messages()
        if str(params.get("channel", "")).startswith("D")
    )


@contextmanager
def serving(
    tmp: Path, env: dict[str, str], count: int, name: str = "serve",
    ports: list[int] | None = None, wait: float = WAIT,
) -> Iterator[list[subprocess.Popen[str]]]:
    """`count` ``marvin serve`` processes started back to back, each on a port of its own
    (`ports`, or free ones; logs in ``{name}-{i}.log``); yields once all answer /healthz
    (within `wait` seconds), stops them with SIGTERM (as a deploy would)."""
    procs: list[subprocess.Popen[str]] = []
    ports = ports or [free_port() for _ in range(count)]
    try:
        for i, port in enumerate(ports):
            with (tmp / f"{name}-{i}.log").open("w") as log:
                procs.append(subprocess.Popen(
                    marvin("--verbose", "serve"), cwd=tmp, env={**env, "MARVIN_PORT": str(port)},
                    stdout=log, stderr=subprocess.STDOUT, text=True,
                ))
        deadline = time.monotonic() + wait
        for i, (proc, port) in enumerate(zip(procs, ports, strict=True)):
            while not healthy(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log_text = (tmp / f"{name}-{i}.log").read_text()
                    pytest.fail(f"marvin serve #{i} did not become healthy:\n{log_text}")
                time.sleep(0.05)
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
                proc.kill()
                proc.wait(timeout=10)
                pytest.fail("marvin serve did not stop on SIGTERM")


SKIPPED = "already ran or is running elsewhere; skipped"


def wait_for_skips(tmp: Path, name: str, count: int) -> None:
    """Wait (at most WAIT s) until `count` of the ``{name}-*.log`` say they skipped a slot."""
    deadline = time.monotonic() + WAIT
    while True:
        logs = [p.read_text() for p in sorted(tmp.glob(f"{name}-*.log"))]
        skips = sum(text.count(SKIPPED) for text in logs)
        if skips >= count:
            return
        assert time.monotonic() < deadline, f"{skips} skip(s) of {count}:\n" + "\n".join(logs)
        time.sleep(0.1)


def recorded_runs(db: Path, flow: str) -> list[FlowRunRecord]:
    history = open_history(f"sqlite:///{db}")
    try:
        return history.list_flow_runs(flow=flow)
    finally:
        history.close()


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def finished_runs(db: Path, flow: str, count: int) -> list[FlowRunRecord]:
    """Wait (at most WAIT s) until `count` runs of `flow` are recorded as finished."""
    deadline = time.monotonic() + WAIT
    while True:
        history = open_history(f"sqlite:///{db}")
        try:
            runs = history.list_flow_runs(flow=flow)
        finally:
            history.close()
        done = [r for r in runs if r.ended_at is not None]
        if len(done) >= count or time.monotonic() > deadline:
            assert len(done) == count, [(r.state, r.message) for r in runs]
            return sorted(done, key=lambda r: r.started_at or r.ended_at or dt.datetime.min)
        time.sleep(0.1)


def child_states(db: Path, run: FlowRunRecord, task: str) -> list[str]:
    """States of a task's run (its mapped children when mapped) in one recorded run."""
    history = open_history(f"sqlite:///{db}")
    try:
        detail = history.get_run(run.id)
    finally:
        history.close()
    assert detail is not None
    runs = [t for t in detail.task_runs if t.task == task]
    children = [t for t in runs if t.map_index is not None]
    return [t.state for t in (children or runs)]


def overlapped(runs: list[FlowRunRecord]) -> bool:
    """Did the runs overlap in time (a real race, not one after the other)?"""
    first, second = runs
    assert first.started_at and first.ended_at and second.started_at and second.ended_at
    return first.started_at < second.ended_at and second.started_at < first.ended_at


def test_two_serve_processes_run_one_missed_reminder_slot_once_and_a_restart_not_again(
    tmp_path: Path, tally: Counter[str]
) -> None:
    clocks = Clocks.around_noon()
    reminder, standup = clocks.hhmm(-2), clocks.hhmm(120)  # the reminder slot was just missed
    date = active_standup_date(clocks.team(reminder, standup), clocks.now)
    db = tmp_path / "marvin.db"
    seed(db, date)
    with SlackStandIn() as slack:
        slack.set_latency(0.5)  # a slow Slack keeps the run in flight while the other starts
        env = {**base_env(tmp_path, db, slack), "MARVIN_TIMEZONE": clocks.zone,
               "MARVIN_REMINDER_TIME": reminder, "MARVIN_STANDUP_TIME": standup}
        with serving(tmp_path, env, REPLICAS):
            (run,) = finished_runs(db, "reminder", 1)
            wait_for_skips(tmp_path, "serve", 1)  # the other replica saw the claim
        with serving(tmp_path, env, 1, name="restart"):  # still inside the grace period
            wait_for_skips(tmp_path, "restart", 1)
        dms = dm_counts(slack)
    tally["runs"] += 1
    tally["process kills or restarts"] += 1
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for user in NEEDING if dms[user] == 0)

    assert run.state == "Success", run.message
    assert [r.id for r in recorded_runs(db, "reminder")] == [run.id]  # no second run, ever
    assert dms == Counter({user: 1 for user in NEEDING})
    assert child_states(db, run, "send_reminder").count("Success") == len(NEEDING)


def test_two_serve_processes_run_one_missed_standup_slot_once_and_a_restart_not_again(
    tmp_path: Path, tally: Counter[str]
) -> None:
    clocks = Clocks.around_noon()
    # the digest slot was just missed; the reminder slot is outside the grace period
    reminder, standup = clocks.hhmm(-120), clocks.hhmm(-2)
    date = last_standup_date(clocks.team(reminder, standup), clocks.now)
    db = tmp_path / "marvin.db"
    seed(db, date)
    with SlackStandIn() as slack:
        slack.set_latency(1.0)
        env = {**base_env(tmp_path, db, slack), "MARVIN_TIMEZONE": clocks.zone,
               "MARVIN_REMINDER_TIME": reminder, "MARVIN_STANDUP_TIME": standup}
        with serving(tmp_path, env, REPLICAS):
            (run,) = finished_runs(db, "standup", 1)
            wait_for_skips(tmp_path, "serve", 1)
        with serving(tmp_path, env, 1, name="restart"):
            wait_for_skips(tmp_path, "restart", 1)
        digests = slack.posted_messages(CHANNEL)
        assert dm_counts(slack) == Counter()  # no late reminder after the standup
    tally["runs"] += 1
    tally["process kills or restarts"] += 1
    tally["duplicates"] += max(0, len(digests) - 1)
    tally["messages lost"] += 1 if not digests else 0

    assert run.state == "Success", run.message
    assert [r.id for r in recorded_runs(db, "standup")] == [run.id]
    assert len(digests) == 1
    assert all(user in str(digests[0]["blocks"]) for user in MEMBERS)
    assert child_states(db, run, "post_digest") == ["Success"]


@pytest.mark.parametrize("flow", ["reminder", "nudge"])
def test_two_marvin_run_processes_at_once_send_nothing_twice(
    tmp_path: Path, tally: Counter[str], flow: str
) -> None:
    date = "2026-06-08"
    db = tmp_path / "marvin.db"
    seed(db, date)
    with SlackStandIn() as slack:
        slack.set_latency(0.5)
        env = {**base_env(tmp_path, db, slack), "MARVIN_TIMEZONE": "UTC"}
        procs = [
            subprocess.Popen(marvin("run", flow, "--date", date), cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(REPLICAS)
        ]
        outputs = []
        try:
            for proc in procs:
                outputs.append(proc.communicate(timeout=WAIT)[0])
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=10)
        dms = dm_counts(slack)
    runs = finished_runs(db, flow, REPLICAS)
    tally["runs"] += REPLICAS
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for user in NEEDING if dms[user] == 0)

    assert [proc.returncode for proc in procs] == [0] * REPLICAS, outputs
    assert overlapped(runs)
    assert dms == Counter({user: 1 for user in NEEDING})
    sent = [s for r in runs for s in child_states(db, r, f"send_{flow}")].count("Success")
    assert sent == len(NEEDING)
