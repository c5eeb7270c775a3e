"""The dashboard in a real browser: headless Chromium renders it offline, and screenshots it.

Chromium is Debian's (`/usr/bin/chromium`, installed by `.ci/run`). When it is missing
these tests fail, never skip: a dashboard nobody has seen render is not tested.
Screenshots land in `test-artifacts/` for a person (or CI artifact upload) to look at.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from marvin.testing.server import serve_in_thread
from marvin.web.dashboard import dashboard_routes
from tests.web.test_dashboard import TOKEN, Recorded, make_history, recorded_runs

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_S = 60
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium); "
            ".ci/run does this in CI",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Recorded]]:
    history = make_history(tmp_path_factory.mktemp("history"))
    recorded = recorded_runs(history)
    app = Starlette(routes=dashboard_routes(history, TOKEN))
    with serve_in_thread(app) as (url, _stop):
        yield url, recorded
    history.close()


def run_chromium(chromium: Path, profile: Path, *args: str) -> str:
    """Run Chromium to completion (its own process group, killed whole on timeout)."""
    cmd = [str(chromium), *FLAGS, f"--user-data-dir={profile}", *args]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"chromium did not finish in {TIMEOUT_S}s: {' '.join(args)}", pytrace=False)
    assert proc.returncode == 0, f"chromium exited {proc.returncode}:\n{err[-3000:]}"
    return out


def test_run_page_renders_states_tasks_and_graph(
    chromium: Path, served: tuple[str, Recorded], tmp_path: Path
) -> None:
    url, recorded = served
    dom = run_chromium(chromium, tmp_path, "--dump-dom",
                       f"{url}/runs/{recorded.reminder_id}?token={TOKEN}")
    assert "<svg" in dom and 'class="node"' in dom
    for state in ("Success", "Skipped", "Failed", "Mapped"):
        assert f">{state}</span>" in dom, state
    for name in ("get_team", "remind[0]", "remind[1]", "remind[2]", "report"):
        assert f"<code>{name}</code>" in dom, name
    assert "<script" not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "chat.postMessage" in dom and "error:channel_not_found" in dom


def test_browser_basic_auth_opens_it_and_nothing_shows_without(
    chromium: Path, served: tuple[str, Recorded], tmp_path: Path
) -> None:
    url, recorded = served
    with_auth = url.replace("http://", f"http://anyone:{TOKEN}@", 1)
    dom = run_chromium(chromium, tmp_path / "a", "--dump-dom", f"{with_auth}/runs")
    assert recorded.reminder_id in dom and all(i in dom for i in recorded.standup_ids)
    # no credentials: 401 + a Basic challenge that headless Chromium cannot answer
    dom = run_chromium(chromium, tmp_path / "b", "--dump-dom", f"{url}/runs")
    assert recorded.reminder_id not in dom and "reminder" not in dom


@pytest.mark.parametrize(
    ("name", "path"), [("dashboard-run.png", "run"), ("dashboard-list.png", "list")]
)
def test_screenshots(
    chromium: Path, served: tuple[str, Recorded], tmp_path: Path, name: str, path: str
) -> None:
    url, recorded = served
    page = f"/runs/{recorded.reminder_id}" if path == "run" else "/runs"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600",
                 f"{url}{page}?token={TOKEN}")
    assert shot.is_file(), f"no screenshot at {shot}"
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000, f"{shot} is only {len(data)} bytes: a blank page?"
