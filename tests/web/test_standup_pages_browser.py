"""The standup pages in a real browser: headless Chromium renders a team's page (calendar,
four SVG charts) and a date's page offline, and screenshots them into `test-artifacts/`.

Chromium is Debian's (`/usr/bin/chromium`); when it is missing these tests fail, never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import DATE
from tests.web.standup_site import Site, standup_site
from tests.web.test_dashboard import TOKEN
from tests.web.test_dashboard_browser import ARTIFACTS, chromium, run_chromium

__all__ = ["chromium"]  # the fixture, used by name

TEAM_PAGE = "/standups/default?since=2026-06-01&until=2026-06-12"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("standups") / "marvin.db"
    store, history = SqliteStore(str(path)), SqliteHistory(str(path))
    try:
        with SlackStandIn() as standin, standup_site(store, history, standin) as opened:
            yield opened
    finally:
        store.close()
        history.close()


def test_team_page_renders_the_calendar_and_every_chart(
    chromium: Path, site: Site, tmp_path: Path
) -> None:
    dom = run_chromium(chromium, tmp_path, "--dump-dom", f"{site.url}{TEAM_PAGE}&token={TOKEN}")
    assert dom.count('class="cal-day"') == 10
    for chart in ("participation", "reminders", "first-posts", "tuner"):
        assert f'data-chart="{chart}"' in dom, chart
    assert dom.count("<svg") == 4 and "<script" not in dom
    assert 'data-mark="recommended"' in dom


def test_date_page_renders_the_digest_and_the_audit(
    chromium: Path, site: Site, tmp_path: Path
) -> None:
    dom = run_chromium(chromium, tmp_path, "--dump-dom",
                       f"{site.url}/standups/default/{DATE}?token={TOKEN}")
    assert "Standup for Monday 8 June" in dom and "<script" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert f"reminder/default/{DATE}/U0CID" in dom and site.reminder.id[:12] in dom
    assert site.standup.id[:12] in dom


@pytest.mark.parametrize(("name", "path"), [
    ("standups-team.png", TEAM_PAGE + "&"), ("standups-date.png", f"/standups/default/{DATE}?"),
])
def test_screenshots(chromium: Path, site: Site, tmp_path: Path, name: str, path: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,1800",
                 f"{site.url}{path}token={TOKEN}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000, f"{shot} is only {len(data)} bytes: a blank page?"
