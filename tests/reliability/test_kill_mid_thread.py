"""`marvin run standup` in thread mode SIGKILLed while a reply is in flight, then run
again: the parent and every reply are in the thread exactly once, and the re-run finds the
in-flight reply in the thread (``conversations.replies``), not in the channel's history.
Both stores."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.test_kill_mid_digest import (
    DATE,
    POST_LATENCY,
    TOKEN,
    WAIT,
    marvin,
    open_test_store,
    store_env,  # noqa: F401 - the parametrised fixture, shared
)

USERS = ("U4001", "U4002", "U4003")


def keys_in_thread(slack: SlackStandIn) -> Counter[str]:
    testing = slack.world.channel_id("#testing")
    assert testing is not None
    return Counter(m["metadata"]["event_payload"]["key"] for m in slack.world.messages(testing))


def test_a_thread_killed_between_replies_is_complete_and_once_after_the_rerun(
    store_env: dict[str, str], tmp_path: Path, tally: Counter[str]  # noqa: F811
) -> None:
    store = open_test_store(store_env)
    try:
        store.save_team(Team(DEFAULT_TEAM, days=tuple(range(7)), digest_mode="thread"))
        for user in USERS:
            store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
            store.append_update(DEFAULT_TEAM, DATE, user, f"news from {user}",
                                dt.datetime(2026, 6, 8, 7, 0, tzinfo=dt.UTC))
    finally:
        store.close()
    with SlackStandIn() as slack:
        slack.set_latency(POST_LATENCY, "chat.postMessage")
        env = {
            "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
            "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack.url,
            "MARVIN_EXECUTOR": "local", "MARVIN_TIMEZONE": "UTC", **store_env,
        }
        command = marvin("run", "standup", "--channel", "#testing", "--date", DATE)
        proc = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + WAIT
            while len(slack.posted_messages("#testing")) < 2 and time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"marvin run ended ({proc.returncode}) before replying")
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)  # the first reply is in Slack, unanswered
        finally:
            proc.kill()
            proc.wait(timeout=10)
        assert len(slack.posted_messages("#testing")) == 2
        slack.set_latency(0)

        rerun = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                               timeout=WAIT)
        keys = keys_in_thread(slack)
        lookups = slack.calls_to("conversations.replies")

    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += sum(count - 1 for count in keys.values())
    tally["messages lost"] += 1 + len(USERS) - len(keys)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    base = f"digest/{DEFAULT_TEAM}/{DATE}/#testing"
    assert keys == Counter([f"{base}#0", *(f"{base}#r.{user}#0" for user in USERS)])
    assert lookups and {r.outcome for r in lookups} == {"ok"}
