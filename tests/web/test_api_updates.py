"""`GET /api/teams/{team}/updates` over real HTTP, on both stores: the export as a JSON
array streamed, behind the dashboard token; bad parameters are a 400 that says why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette

from marvin.domain.models import Answer, Member, Team
from marvin.store import Store
from marvin.store.base import StoreError
from marvin.testing.server import serve_in_thread
from marvin.web.api import api_routes
from tests.support.settings import stand_in_settings

TOKEN = "dash-token"
AT = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
URL = "/api/teams/ops/updates"


@pytest.fixture
def api(store: Store) -> Iterator[httpx.Client]:
    settings = stand_in_settings("http://127.0.0.1:9", "xoxb-x", "secret")
    store.save_team(Team("ops"))
    store.save_member(Member("U0001", "ops", "ann"))
    store.save_answers("ops", "2026-03-02", "U0001", (Answer("q1", "Did?", "<b>&</b>"),), AT)
    app = Starlette(routes=api_routes(store, settings, TOKEN))
    with serve_in_thread(app) as (url, _stop), httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ) as client:
        yield client


def test_the_updates_of_a_range_as_a_json_array(api: httpx.Client) -> None:
    response = api.get(URL, params={"since": "2026-03-02", "until": "2026-03-03"})
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "application/json")
    rows = response.json()
    assert [(r["date"], r["user_id"], r["state"]) for r in rows] == [
        ("2026-03-02", "U0001", "posted"), ("2026-03-03", "U0001", "missed")]
    assert rows[0]["answers"][0]["text"] == "<b>&</b>"  # data as typed; JSON is not HTML
    assert api.get(URL, params={"since": "2026-03-09", "until": "2026-03-09"}).json() == [
        {"date": "2026-03-09", "user_id": "U0001", "name": "ann", "state": "missed",
         "answers": [], "text": "", "first_posted_at": None, "last_edited_at": None}]


@pytest.mark.parametrize(("params", "says"), [
    ({"since": "2026-3-1"}, "YYYY-MM-DD"),
    ({"until": "yesterday"}, "YYYY-MM-DD"),
    ({"since": "2026-03-05", "until": "2026-03-01"}, "starts"),
    ({"limit": "5"}, "unknown parameter"),
])
def test_bad_parameters_are_400_saying_why(
    api: httpx.Client, params: dict[str, str], says: str
) -> None:
    response = api.get(URL, params=params)
    assert response.status_code == 400 and says in response.json()["error"]


def test_unknown_or_malformed_teams_and_missing_tokens(api: httpx.Client) -> None:
    assert api.get("/api/teams/nope/updates").status_code == 404
    assert api.get("/api/teams/%20bad%2Fname/updates").status_code in (400, 404)
    assert api.get(URL, headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_a_store_that_fails_is_503_never_500(
    api: httpx.Client, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*_args: object, **_kwargs: object) -> list[Member]:
        raise StoreError("down")

    monkeypatch.setattr(store, "list_members", down)
    assert api.get(URL).status_code == 503
