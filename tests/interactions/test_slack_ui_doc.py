"""docs/slack-ui.md shows the real Block Kit JSON of Marvin's views: built here from the
real builders and compared with the page, so the page cannot drift from the code.

After changing a view, rewrite the page's JSON with
``MARVIN_WRITE_DOCS=1 .venv/bin/python -m pytest -q tests/interactions/test_slack_ui_doc.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.interactions.app_home import Viewer, home_view
from marvin.interactions.schedule_modal import schedule_modal
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_views import view_problems
from tests.support.settings import stand_in_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "slack-ui.md"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)


def _home_for_an_admin(tmp_path: Path) -> dict[str, Any]:
    store = SqliteStore(str(tmp_path / "doc.db"))
    try:
        store.save_team(Team(name="platform", timezone="Europe/Berlin", channel="#platform"))
        for user, name in (("U0ALICE", "alice"), ("U0BOB", "bob")):
            store.save_member(Member(user, DEFAULT_TEAM, name))
        store.append_update(DEFAULT_TEAM, "2026-11-18", "U0ALICE", "Shipped the digest", NOW)
        settings = stand_in_settings("http://127.0.0.1:1/api/", "xoxb-doc", "secret")
        return home_view(store, settings, Viewer("U0ALICE", "America/New_York", True), NOW)
    finally:
        store.close()


def _schedule_modal(tmp_path: Path) -> dict[str, Any]:
    return schedule_modal(Team(name="platform", timezone="Europe/Berlin", channel="#platform"))


VIEWS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "home-tab": _home_for_an_admin,
    "schedule-modal": _schedule_modal,
}


def _fenced(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- {name} -->\n```json\n)(.*?)(\n```)", re.DOTALL)


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_the_page_shows_the_view_the_code_builds(name: str, tmp_path: Path) -> None:
    view = VIEWS[name](tmp_path)
    assert list(view_problems(view)) == []  # a view Slack would accept
    built = json.dumps(view, indent=2, ensure_ascii=False)
    page = DOC.read_text()
    found = _fenced(name).search(page)
    assert found is not None, f"docs/slack-ui.md has no '<!-- {name} -->' JSON block"
    if os.environ.get("MARVIN_WRITE_DOCS") == "1":
        DOC.write_text(page[:found.start(2)] + built + page[found.end(2):])
        return
    assert json.loads(found.group(2)) == json.loads(built), (
        f"docs/slack-ui.md's {name} is out of date: see this module's docstring")
