"""How much of the store the standup pages read, on both stores: the team page one summary
per standup date once they are stored (whatever the number of updates), a late edit
shown at once, and a date page only its own date's updates and deliveries (`list_date_records`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import httpx
from starlette.applications import Starlette

from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.domain.standup import standup_days
from marvin.store import Store
from marvin.store.firestore.client import doc_id
from marvin.store.firestore.date_records import USERS
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.web.standup_pages import standup_routes
from tests.reliability.conftest import DATE
from tests.support.counting_store import CountingStore
from tests.web.standup_site import ANN, BOB, CID, seed
from tests.web.test_dashboard import TOKEN

SINCE, UNTIL = "2025-06-01", "2026-06-12"  # a year: ~250 standup dates, most without posts


@contextmanager
def counted_site(store: Store, history: SqliteHistory, standin: SlackStandIn,
                 ) -> Iterator[tuple[str, CountingStore]]:
    """The seeded standup site, its pages reading the store through a `CountingStore`."""
    seed(store, history, standin)
    counted = CountingStore(store)
    app = Starlette(routes=standup_routes(cast(Store, counted), history, TOKEN, Team()))
    with serve_in_thread(app) as (url, _stop):
        yield url, counted


def test_the_team_page_reads_one_summary_per_date_and_shows_a_late_edit(
    store: Store, sqlite_history: SqliteHistory, standin: SlackStandIn
) -> None:
    page = f"/standups/{DEFAULT_TEAM}?since={SINCE}&until={UNTIL}&token={TOKEN}"
    dates = standup_days(Team(), SINCE, UNTIL)
    with counted_site(store, sqlite_history, standin) as (url, counted):
        first = httpx.get(url + page, timeout=60)
        assert first.status_code == 200, first.text
        # all over, so all kept; the standup run kept the one before its date already
        assert counted.calls["save_day_summary"] == len(dates) - 1
        counted.reset()
        again = httpx.get(url + page, timeout=60)
        assert again.text == first.text
        assert dict(counted.calls) == {"get_team": 1, "list_members": 1, "list_day_summaries": 1}
        assert counted.records["list_day_summaries"] == len(dates)

        store.append_update(DEFAULT_TEAM, DATE, CID, "late, but here",
                            dt.datetime.fromisoformat(f"{DATE}T18:00:00+00:00"))
        counted.reset()
        edited = httpx.get(url + page, timeout=60)
        # only the edited date is read again, and kept again
        assert counted.records["list_updates_between"] == 3
        assert counted.calls["save_day_summary"] == 1
        assert f'data-date="{DATE}"' in edited.text
        assert "3/3</small>" in edited.text and "3/3</small>" not in first.text


def test_a_date_page_reads_that_date_only(
    store: Store, sqlite_history: SqliteHistory, standin: SlackStandIn
) -> None:
    with counted_site(store, sqlite_history, standin) as (url, counted):
        r = httpx.get(f"{url}/standups/{DEFAULT_TEAM}/{DATE}?token={TOKEN}", timeout=60)
    assert r.status_code == 200, r.text
    assert counted.calls["list_date_records"] == 1
    assert not counted.calls["list_updates"] and not counted.calls["list_deliveries"]
    assert not counted.calls["list_updates_between"] and not counted.calls["list_day_summaries"]


def test_a_date_page_is_the_same_read_again_and_shows_a_late_edit(
    store: Store, sqlite_history: SqliteHistory, standin: SlackStandIn
) -> None:
    """A date page is the same each time it is read (on Firestore by id, from the index its
    records' writes keep), and a late edit shows at once."""
    page = f"/standups/{DEFAULT_TEAM}/{DATE}?token={TOKEN}"
    with counted_site(store, sqlite_history, standin) as (url, counted):
        queried = httpx.get(url + page, timeout=60)
        by_id = httpx.get(url + page, timeout=60)
        store.append_update(DEFAULT_TEAM, DATE, CID, "late, but here",
                            dt.datetime.fromisoformat(f"{DATE}T18:00:00+00:00"))
        edited = httpx.get(url + page, timeout=60)
        edited_by_id = httpx.get(url + page, timeout=60)
    assert queried.status_code == 200, queried.text
    assert by_id.text == queried.text
    assert "late, but here" in edited.text and "late, but here" not in queried.text
    assert edited_by_id.text == edited.text
    assert counted.calls["list_date_records"] == 4
    if isinstance(store, FirestoreStore):  # the late edit joined the date's index
        summary = store.client.collection("day_summaries").document(
            doc_id(DEFAULT_TEAM, DATE)).get().to_dict()
        assert sorted(summary[USERS]) == sorted([ANN, BOB, CID])
