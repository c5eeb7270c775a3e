"""`marvin serve` end to end: the real process, over real HTTP, with its scheduler.

Starts the console script with a Slack stand-in and an SQLite store, then checks what a
team would see: /healthz, a signed /standup answered and stored, a forged one refused,
and the scheduler catching up a reminder slot missed just before start-up (downtime):
the member who has not posted gets one DM, the one who has gets none.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from marvin.store import open_history, open_store
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from tests.support.serve_process import TOKEN, serving

SECRET = "serve-signing-secret"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, SlackStandIn, Path, subprocess.Popen[str]]]:
    with SlackStandIn() as slack, serving(tmp_path, slack.url,
                                          {"SLACK_SIGNING_SECRET": SECRET}) as (base, db, process):
        yield base, slack, db, process


def post_standup(base: str, text: str, user: str, secret: str = SECRET) -> httpx.Response:
    body = slash_command_body(text=text, user_id=user, response_url="http://127.0.0.1:9/x")
    return httpx.post(f"{base}/slack/events", content=body,
                      headers=signed_headers(secret, body), timeout=5)


def test_serve_answers_slack_and_catches_up_a_missed_reminder(
    served: tuple[str, SlackStandIn, Path, subprocess.Popen[str]],
) -> None:
    base, slack, db, process = served

    health = httpx.get(f"{base}/healthz", timeout=5).json()
    assert health == {"ok": True, "store": True, "scheduler": True}

    answer = post_standup(base, "shipped the e2e test", "U0NEWBIE")
    assert answer.status_code == 200 and "Thanks" in answer.json()["text"]
    assert post_standup(base, "forged", "U0FORGER", secret="wrong").status_code == 401

    deadline = time.monotonic() + 20  # catch-up runs in the scheduler's thread
    while time.monotonic() < deadline and not slack.posted_messages():
        time.sleep(0.1)
    time.sleep(0.5)  # let any (wrong) second DM arrive before counting
    dms = [c.params.get("channel") for c in slack.calls_to("chat.postMessage")]
    assert dms == ["U0SILENT"], dms  # reminded once; the one who posted: never
    assert len(slack.posted_messages()) == 1

    store = open_store(f"sqlite:///{db}")
    try:
        member = store.get_member("U0NEWBIE")
        assert member is not None and member.team == "default"  # first post joined them
    finally:
        store.close()

    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output  # a stop asked for is a clean exit
    assert "Application shutdown complete" in output
    assert TOKEN not in output and SECRET not in output  # secrets never logged


def test_sigterm_closes_the_scheduler_and_exits_0(
    served: tuple[str, SlackStandIn, Path, subprocess.Popen[str]],
) -> None:
    _base, _slack, db, process = served

    process.send_signal(signal.SIGTERM)  # perhaps while the catch-up reminder runs
    output, _ = process.communicate(timeout=15)

    assert process.returncode == 0, output
    assert "SIGTERM: stopped serving" in output
    assert "scheduler shut down" in output
    assert "Traceback" not in output
    history = open_history(f"sqlite:///{db}")
    try:
        assert history.list_unfinished() == []  # every run started has its end recorded
    finally:
        history.close()
