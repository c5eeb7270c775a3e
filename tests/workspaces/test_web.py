"""`?workspace=` on the dashboard pages and the JSON API: each workspace's data, a 400 that
says what to do for a missing or unknown one, and a 400 in single-token mode."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from marvin.app import Marvin, open_marvin
from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.settings import Settings
from marvin.testing.server import serve_in_thread
from marvin.web.api import api_routes
from marvin.web.dashboard import dashboard_routes
from marvin.web.standup_pages import standup_routes
from marvin.web.workspace_param import workspace_data
from tests.workspaces.conftest import DATE, MEMBERS, REMINDER_AT, TOKENS, A, B, FakeInstalled

DASHBOARD = "dash-token"
UPDATES = f"/api/teams/{DEFAULT_TEAM}/updates"


def routes(root: Marvin, settings: Settings) -> Starlette:
    data = workspace_data(root)
    return Starlette(routes=[
        *dashboard_routes(root.history, DASHBOARD, workspaces=data),
        *standup_routes(root.store, root.history, DASHBOARD, Team(), workspaces=data),
        *api_routes(root.store, settings, DASHBOARD, workspaces=data),
    ])


@pytest.fixture
def both(settings: Settings) -> Iterator[tuple[Marvin, httpx.Client]]:
    with open_marvin(settings, installed=FakeInstalled(TOKENS)) as root, \
            serve_in_thread(routes(root, settings)) as (url, _stop), \
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DASHBOARD}"},
                         timeout=10) as client:
        yield root, client


def test_the_api_reads_the_workspace_it_names(both: tuple[Marvin, httpx.Client]) -> None:
    root, client = both
    root.of(B).store.append_update(DEFAULT_TEAM, DATE, MEMBERS[0], "only in B", REMINDER_AT)
    window = {"since": DATE, "until": DATE}
    in_b = client.get(UPDATES, params={**window, "workspace": B.key})
    in_a = client.get(UPDATES, params={**window, "workspace": A.key})
    assert in_b.status_code == in_a.status_code == 200
    assert "only in B" in in_b.text and "only in B" not in in_a.text


@pytest.mark.parametrize("path", ["/runs", "/standups", f"/standups/{DEFAULT_TEAM}", UPDATES])
def test_a_page_without_a_workspace_or_with_an_unknown_one_is_a_400_that_says_why(
    both: tuple[Marvin, httpx.Client], path: str,
) -> None:
    _root, client = both
    missing = client.get(path)
    assert missing.status_code == 400 and A.key in missing.text and B.key in missing.text
    unknown = client.get(path, params={"workspace": "TZZZZ9"})
    assert unknown.status_code == 400 and "not installed in workspace" in unknown.text
    assert client.get(path, params={"workspace": A.key}).status_code == 200


def test_single_token_mode_refuses_a_workspace_parameter(settings: Settings) -> None:
    with open_marvin(settings) as root, serve_in_thread(routes(root, settings)) as (url, _s), \
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DASHBOARD}"},
                         timeout=10) as client:
        for path in ("/runs", "/standups", UPDATES):
            refused = client.get(path, params={"workspace": A.key})
            assert refused.status_code == 400 and "one workspace" in refused.text
            assert client.get(path).status_code == 200


def test_a_pages_links_and_forms_stay_in_its_workspace(
    both: tuple[Marvin, httpx.Client],
) -> None:
    root, client = both
    root.of(B).store.save_team(Team(DEFAULT_TEAM))
    runs = client.get("/runs", params={"workspace": B.key}).text
    assert f'href="/runs?workspace={B.key}"' in runs
    assert f'href="/standups?workspace={B.key}"' in runs
    assert f'<input type="hidden" name="workspace" value="{B.key}">' in runs  # the filter
    teams = client.get("/standups", params={"workspace": B.key}).text
    assert f'href="/standups/{DEFAULT_TEAM}?workspace={B.key}"' in teams
    team = client.get(f"/standups/{DEFAULT_TEAM}", params={"workspace": B.key}).text
    local = re.findall(r'href="(/[^"]*)"', team)
    assert local and all(link.endswith(f"workspace={B.key}") for link in local), local
