"""`marvin serve` end to end: the real process, over real HTTP, with its scheduler.

Starts the console script with a Slack stand-in and an SQLite store, then checks what a
team would see: /healthz, a signed /standup answered and stored, a forged one refused,
and the scheduler catching up a reminder slot missed just before start-up (downtime):
the member who has not posted gets one DM, the one who has gets none.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from marvin.domain.models import Member, Team
from marvin.domain.standup import active_standup_date
from marvin.store import open_history, open_store
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn

SECRET = "serve-signing-secret"
TOKEN = "xoxb-serve-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, SlackStandIn, Path, subprocess.Popen[str]]]:
    db = tmp_path / "marvin.db"
    now = dt.datetime.now(dt.UTC)
    # A team zone where it is about noon now, so "2 minutes ago" and "in 2 hours" are the
    # same local day whatever the time of day in UTC (Etc/GMT-N is UTC+N).
    offset = 12 - now.hour
    zone = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    local = now.astimezone(ZoneInfo(zone))
    reminder = (local - dt.timedelta(minutes=2)).strftime("%H:%M")  # a slot just missed
    standup = (local + dt.timedelta(hours=2)).strftime("%H:%M")
    store = open_store(f"sqlite:///{db}")
    store.save_member(Member("U0SILENT", "default", "silent"))
    store.save_member(Member("U0POSTED", "default", "posted"))

    team = Team(timezone=zone, standup_time=standup, reminder_time=reminder,
                days=(0, 1, 2, 3, 4, 5, 6))
    store.append_update("default", active_standup_date(team, now), "U0POSTED", "done", now)
    store.close()
    port = free_port()
    with SlackStandIn() as slack:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(tmp_path),
            "SLACK_BOT_TOKEN": TOKEN,
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": slack.url,
            "MARVIN_STORE": f"sqlite:///{db}",
            "MARVIN_PORT": str(port),
            "MARVIN_TIMEZONE": zone,
            "MARVIN_STANDUP_TIME": standup,
            "MARVIN_REMINDER_TIME": reminder,
            "MARVIN_STANDUP_DAYS": "daily",
            "MARVIN_MISFIRE_GRACE_SECONDS": "600",
        }
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "marvin"), "--verbose", "serve"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                time.sleep(0.1)
            else:
                pytest.fail("marvin serve did not become healthy in 30 s")
            yield base, slack, db, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
                process.kill()
                pytest.fail("marvin serve did not stop on SIGTERM")


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
    opened = [c.params.get("users") for c in slack.calls_to("conversations.open")]
    assert opened == ["U0SILENT"], opened  # reminded once; the one who posted: never
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
