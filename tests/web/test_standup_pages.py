"""The standup pages over real HTTP, on both stores: the team list, a team's calendar and
charts, one date's digest, people and delivery audit; protection and bad URLs.

The site (`tests.web.standup_site`) is made by the real reminder and standup flows on the
Slack stand-in, recorded in the run history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import cast

import httpx
import pytest
from starlette.applications import Starlette

from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.models import DEFAULT_TEAM, Absence, DeliveryKind, Team
from marvin.store import Store, StoreError
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.web.standup_date_page import permalink
from marvin.web.standup_pages import standup_routes
from tests.reliability.conftest import DATE
from tests.web.standup_site import CID, XSS, Site, standup_site
from tests.web.test_dashboard import TOKEN

TEAM_PAGE = f"/standups/{DEFAULT_TEAM}?since=2026-06-01&until=2026-06-12"


@pytest.fixture
def site(store: Store, sqlite_history: SqliteHistory, standin: SlackStandIn) -> Iterator[Site]:
    with standup_site(store, sqlite_history, standin) as opened:
        yield opened


def get(site: Site, path: str, token: str | None = TOKEN) -> httpx.Response:
    query = "" if token is None else ("&" if "?" in path else "?") + f"token={token}"
    return httpx.get(site.url + path + query, timeout=20)


def test_the_date_page_shows_the_digest_people_and_every_delivery_with_its_run(
    site: Site, store: Store
) -> None:
    r = get(site, f"/standups/{DEFAULT_TEAM}/{DATE}")
    assert r.status_code == 200, r.text
    html = r.text
    assert "<script" not in html and f"Bob {XSS}" not in html
    assert "Bob &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "shipped *it* &amp; &lt;script&gt;" in html and "&lt;!channel&gt;" in html
    assert "No update from: <b title=\"U0CID\">@Cid</b>" in html
    deliveries = store.list_deliveries(DEFAULT_TEAM, DATE)
    assert {(d.kind, d.target) for d in deliveries} == {
        (DeliveryKind.DIGEST, "#general"), (DeliveryKind.REMINDER, "U0BOB"),
        (DeliveryKind.REMINDER, "U0CID")}
    for d in deliveries:
        sent = read_detail(d)
        assert isinstance(sent, Sent) and sent.channel is not None
        assert f"<code>{d.kind.value}/{DEFAULT_TEAM}/{DATE}/{d.target}</code>" in html
        for ts in sent.timestamps:
            assert f'<a href="{permalink(sent.channel, ts)}">{ts}</a>' in html
        run = site.reminder if d.kind is DeliveryKind.REMINDER else site.standup
        row = html[html.index(f"/{DATE}/{d.target}</code>"):]
        row = row[:row.index("</tr>")]
        assert f'href="/runs/{run.id}"' in row, row
    # who posted when: Bob first at 08:40, edited 08:50, reminded at 08:30; Ann never reminded
    bob = html[html.index("<td>Bob"):]
    bob = bob[:bob.index("</tr>")]
    assert re.findall(r">2026-06-08 (\d\d:\d\d):00<", bob) == ["08:40", "08:50", "08:30"]
    assert "DU0BOB" in bob and "posted" in bob


def test_permalinks_are_slacks_archive_form() -> None:
    assert permalink("C0123", "1717833600.000100") == (
        "https://slack.com/archives/C0123/p1717833600000100")


def test_the_team_page_has_a_calendar_charts_and_the_tuner(site: Site) -> None:
    r = get(site, TEAM_PAGE)
    assert r.status_code == 200, r.text
    html = r.text
    days = re.findall(r'class="cal-day" data-date="([\d-]+)"', html)
    assert days == ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05",
                    "2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"]
    assert 'data-date="2026-06-08" href="/standups/default/2026-06-08" title="2026-06-08: 2 ' \
           'posted, 0 away, 0 skipped, 1 missed, 2 reminded"' in html
    for chart in ("participation", "reminders", "first-posts", "tuner"):
        assert f'data-chart="{chart}"' in html, chart
    assert 'data-mark="now"' in html and 'data-mark="recommended"' in html
    assert "standup day(s) used" in html and "Assumption: a member who had first posted" in html


def test_a_member_away_is_away_on_the_pages_not_missed(site: Site, store: Store) -> None:
    store.save_absence(Absence(CID, DATE, DATE, "dentist <!here>"))
    html = get(site, f"/standups/{DEFAULT_TEAM}/{DATE}").text
    cid = html[html.index("<td>Cid"):]
    assert 's-Paused">away</span>' in cid[:cid.index("</tr>")]
    assert "No update from" not in html and "dentist &lt;!here&gt;" in html
    team = get(site, TEAM_PAGE).text
    assert 'title="2026-06-08: 2 posted, 1 away, 0 skipped, 0 missed, 2 reminded"' in team


def test_the_team_list_links_each_team(site: Site) -> None:
    r = get(site, "/standups")
    assert r.status_code == 200 and 'href="/standups/default"' in r.text


@pytest.mark.parametrize(("path", "status", "says"), [
    ("/standups/nope", 404, "no such team"),
    ("/standups/nope/2026-06-08", 404, "no such team"),
    ("/standups/%3Cscript%3E", 404, "no such team"),
    ("/standups/default/2026-13-40", 400, "date"),
    ("/standups/default/yesterday", 400, "date"),
    ("/standups/default?since=junk", 400, "since"),
    ("/standups/default?since=2026-06-10&until=2026-06-01", 400, "is after until"),
    ("/standups/default?since=2020-01-01&until=2026-06-01", 400, "at most 800 days"),
])
def test_bad_urls_get_clear_4xx_pages(site: Site, path: str, status: int, says: str) -> None:
    r = get(site, path)
    assert r.status_code == status, r.text
    assert says in r.text and "<script>" not in r.text


def test_the_pages_need_the_dashboard_token(site: Site) -> None:
    for path in ("/standups", TEAM_PAGE, f"/standups/{DEFAULT_TEAM}/{DATE}"):
        assert get(site, path, token=None).status_code == 401
        assert get(site, path, token="wrong").status_code == 401


class _DownStore:
    """A store that knows the default team's members but cannot read any updates."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def list_updates_between(self, *args: object) -> object:
        raise StoreError("Firestore list_updates_between failed: 503 unavailable")

    def list_date_records(self, *args: object, **kwargs: object) -> object:
        raise StoreError("Firestore list_date_records failed: 503 unavailable")


@pytest.mark.parametrize("path", [TEAM_PAGE, f"/standups/{DEFAULT_TEAM}/{DATE}"])
def test_a_store_that_does_not_answer_is_a_503_page_saying_so(
    sqlite_store: Store, sqlite_history: SqliteHistory, path: str
) -> None:
    app = Starlette(routes=standup_routes(cast(Store, _DownStore(sqlite_store)), sqlite_history,
                                          TOKEN, Team()))
    with serve_in_thread(app) as (url, _stop):
        r = httpx.get(f"{url}{path}&token={TOKEN}" if "?" in path else
                      f"{url}{path}?token={TOKEN}", timeout=20)
    assert r.status_code == 503
    assert "the store did not answer" in r.text and "Traceback" not in r.text


@pytest.mark.parametrize("token", [None, "", "  "])
def test_the_pages_are_off_without_a_dashboard_token(
    sqlite_store: Store, sqlite_history: SqliteHistory, token: str | None
) -> None:
    app = Starlette(routes=standup_routes(sqlite_store, sqlite_history, token, Team()))
    with serve_in_thread(app) as (url, _stop):
        r = httpx.get(f"{url}/standups?token=", timeout=20)
    assert r.status_code == 404 and "dashboard disabled" in r.text
