"""`marvin serve` as a real process, on a store where a reminder slot was just missed.

The team's zone puts local noon at about now, its reminder 2 minutes ago (so start-up
catches it up at once: a flow run in progress soon after start) and its standup in 2
hours. Member U0SILENT has not posted (gets a DM); U0POSTED has (gets none).
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
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from marvin.domain.models import Member, Team
from marvin.domain.standup import active_standup_date
from marvin.store import open_store

TOKEN = "xoxb-serve-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_store(db: Path) -> dict[str, str]:
    """The team and members described above; returns the env naming its schedule."""
    now = dt.datetime.now(dt.UTC)
    offset = 12 - now.hour  # Etc/GMT-N is UTC+N
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
    return {"MARVIN_TIMEZONE": zone, "MARVIN_STANDUP_TIME": standup,
            "MARVIN_REMINDER_TIME": reminder, "MARVIN_STANDUP_DAYS": "daily",
            "MARVIN_MISFIRE_GRACE_SECONDS": "600"}


@contextmanager
def serving(tmp_path: Path, slack_url: str, env: dict[str, str]
            ) -> Iterator[tuple[str, Path, subprocess.Popen[str]]]:
    """`marvin --verbose serve` until healthy; ``(base_url, db, process)``. Stopped with
    SIGTERM after the block if still running (a hang fails the test)."""
    db = tmp_path / "marvin.db"
    port = free_port()
    full_env = {
        "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path),
        "SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": slack_url,
        "MARVIN_STORE": f"sqlite:///{db}", "MARVIN_PORT": str(port),
        **seed_store(db), **env,
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "marvin"), "--verbose", "serve"],
        cwd=tmp_path, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
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
        yield base, db, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hang is a failure
            process.kill()
            pytest.fail("marvin serve did not stop on SIGTERM")
