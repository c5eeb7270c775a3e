"""`marvin run standup --channel '#testing'` SIGKILLed while its post is in flight, then
run again: the digest is on Slack exactly once, and the re-run succeeds.

The stand-in answers chat.postMessage after 3 s; it has accepted the post when the process
dies, so the re-run must find it. That needs Slack's rules kept: ``conversations.history``
takes the channel's id (not ``#testing``) and needs the bot to be a member. Both stores.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from marvin.domain.models import DEFAULT_TEAM, DeliveryKind, Member
from marvin.store import Store, open_store
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-kill-mid-digest-token"
DATE = "2026-06-08"
POST_LATENCY = 3.0  # seconds before Slack answers chat.postMessage (it has posted by then)
WAIT = 60.0


def marvin(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "marvin"), *args]


@pytest.fixture(params=["sqlite", "firestore"])
def store_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """MARVIN_STORE (and the emulator's variables) for the subprocesses."""
    if request.param == "sqlite":
        return {"MARVIN_STORE": f"sqlite:///{tmp_path / 'marvin.db'}"}
    project: str = request.getfixturevalue("firestore_project")
    return {
        "MARVIN_STORE": "firestore",
        "GOOGLE_CLOUD_PROJECT": project,
        "FIRESTORE_EMULATOR_HOST": os.environ["FIRESTORE_EMULATOR_HOST"],
    }


def open_test_store(env: dict[str, str]) -> Store:
    return open_store(env["MARVIN_STORE"], project=env.get("GOOGLE_CLOUD_PROJECT"))


def marvin_env(slack: SlackStandIn, home: Path, store_env: dict[str, str]) -> dict[str, str]:
    """A `marvin` subprocess's environment: the stand-in's Slack, the test's store."""
    return {
        "PATH": os.environ.get("PATH", ""), "HOME": str(home),
        "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.url,
        "MARVIN_EXECUTOR": "local", "MARVIN_TIMEZONE": "UTC",
        "MARVIN_STANDUP_DAYS": "daily", **store_env,
    }


def kill_then_rerun(
    slack: SlackStandIn, cwd: Path, store_env: dict[str, str], posts: int
) -> subprocess.CompletedProcess[str]:
    """`marvin run standup --channel '#testing'`, SIGKILLed as soon as `posts` posts reached
    #testing (the last one accepted, its answer held back by the stand-in's latency), then
    run again to the end; returns the re-run."""
    slack.set_latency(POST_LATENCY, "chat.postMessage")
    env = marvin_env(slack, cwd, store_env)
    command = marvin("run", "standup", "--channel", "#testing", "--date", DATE)
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + WAIT
        while len(slack.posted_messages("#testing")) < posts and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"marvin run ended ({proc.returncode}) before posting")
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert len(slack.posted_messages("#testing")) == posts
    slack.set_latency(0)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=WAIT)


def test_a_digest_killed_mid_post_is_on_slack_once_after_the_rerun(
    store_env: dict[str, str], tmp_path: Path, tally: Counter[str]
) -> None:
    store = open_test_store(store_env)
    try:
        for user in ("U4001", "U4002"):
            store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
        store.append_update(DEFAULT_TEAM, DATE, "U4001", "shipped it",
                            dt.datetime(2026, 6, 8, 7, 0, tzinfo=dt.UTC))
    finally:
        store.close()
    with SlackStandIn() as slack:
        rerun = kill_then_rerun(slack, tmp_path, store_env, 1)
        posted = slack.posted_messages("#testing")
        reads = slack.calls_to("conversations.history")
        testing = slack.world.channel_id("#testing")

    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += max(0, len(posted) - 1)
    tally["messages lost"] += 0 if posted else 1
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "flow run: Success" in rerun.stdout
    assert len(posted) == 1
    assert reads and {r.params["channel"] for r in reads} == {testing}  # the id, never #name
    assert {r.outcome for r in reads} == {"ok"}  # a member: its history is readable
    store = open_test_store(store_env)
    try:
        [digest] = [d for d in store.list_deliveries(DEFAULT_TEAM, DATE)
                    if d.kind is DeliveryKind.DIGEST]
    finally:
        store.close()
    assert digest.target == "#testing" and digest.sent and digest.detail.startswith(f"{testing}:")
