"""Firestore's index of a date's records (date_records.py) beside records it never saw:
those stored before Marvin kept it. Their dates are read with the queries once, then by
id; the namespace's mark says from which date on every record was indexed as written."""

from __future__ import annotations

import datetime as dt
from contextlib import closing
from typing import Any

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Update
from marvin.store.firestore.client import doc_id
from marvin.store.firestore.date_records import INDEXED, MARK
from marvin.store.firestore.documents import update_fields
from marvin.store.firestore.store import FirestoreStore
from tests.support.firestore_queries import CallCount

# Dates past the upgrade window (a week from today), so the mark follows the records
TODAY = dt.datetime.now(dt.UTC).date()
TEAM, AT = "ops", dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
OLD, NEW = str(TODAY + dt.timedelta(days=30)), str(TODAY + dt.timedelta(days=33))


def _after(date: str, days: int) -> str:
    return str(dt.date.fromisoformat(date) + dt.timedelta(days=days))


def _store_as_before(store: FirestoreStore, date: str, *users: str) -> None:
    """Updates and a reminder written in the layout of a Marvin that kept no index."""
    db = store.client
    for user in users:
        update = Update(TEAM, date, user, (f"{user} wrote this",), AT, first_posted_at=AT)
        db.collection("updates").document(doc_id(TEAM, date, user)).set(
            {"team": TEAM, "date": date, "user_id": user, **update_fields(update)})
    db.collection("deliveries").document(doc_id("reminder", TEAM, date, users[0])).set(
        {"kind": "reminder", "team": TEAM, "date": date, "target": users[0],
         "claimed_at": AT, "sent": True, "detail": "D1:1.000100"})


def _mark(store: FirestoreStore) -> Any:
    snap = store.client.collection(MARK[0]).document(doc_id(MARK[1])).get()
    return snap.to_dict()["complete_from"] if snap.exists else None


def _summary_doc(store: FirestoreStore, date: str) -> dict[str, Any]:
    snap = store.client.collection("day_summaries").document(doc_id(TEAM, date)).get()
    return snap.to_dict() if snap.exists else {}


def test_a_new_namespace_indexes_every_date_from_the_start(
        firestore_store: FirestoreStore) -> None:
    assert _mark(firestore_store) is None
    firestore_store.append_update(TEAM, OLD, "U1", "hello", AT)
    assert _mark(firestore_store) == ""  # nothing was stored before: every date is indexed


def test_dates_stored_before_the_index_are_queried_once_then_read_by_id(
        firestore_store: FirestoreStore) -> None:
    _store_as_before(firestore_store, OLD, "U1", "U2")
    # the first write of this version: the mark starts the day after the latest record
    firestore_store.append_update(TEAM, OLD, "U3", "after the upgrade", AT)
    assert _mark(firestore_store) == _after(OLD, 1)
    firestore_store.append_update(TEAM, NEW, "U1", "a new date", AT)
    firestore_store.claim_delivery(DeliveryKey.reminder(TEAM, NEW, "U2"), AT)
    calls = CallCount()
    with closing(FirestoreStore(client=firestore_store.client, intercept=calls)) as store:
        updates, deliveries = store.list_date_records(TEAM, OLD)  # only U3 is indexed yet
        assert [u.user_id for u in updates] == ["U1", "U2", "U3"]
        assert [d.target for d in deliveries] == ["U1"]
        assert calls.ops["query"] == 2 and _summary_doc(store, OLD)[INDEXED] is True
        assert store.list_date_records(TEAM, OLD) == (updates, deliveries)
        assert calls.ops["query"] == 2  # completed: by id from then on
        new = store.list_date_records(TEAM, NEW)
        assert [u.user_id for u in new[0]] == ["U1"] and [d.target for d in new[1]] == ["U2"]
        assert store.list_date_records(TEAM, _after(NEW, 4)) == ([], [])
        assert calls.ops["query"] == 2  # after the mark: indexed as written, no query


def test_a_date_before_the_mark_with_no_record_is_queried_and_kept_empty(
        firestore_store: FirestoreStore) -> None:
    _store_as_before(firestore_store, NEW, "U1")
    firestore_store.append_update(TEAM, NEW, "U2", "after the upgrade", AT)
    assert _mark(firestore_store) == _after(NEW, 1)
    assert firestore_store.list_date_records(TEAM, OLD) == ([], [])
    assert _summary_doc(firestore_store, OLD) == {
        "team": TEAM, "date": OLD, "stale": True, "update_users": [], "delivery_keys": [],
        INDEXED: True}


def test_the_mark_leaves_a_week_for_replicas_still_on_an_older_version(
        firestore_store: FirestoreStore) -> None:
    """Records stored up to yesterday: the mark is a week from today, as older replicas
    may still write today's records (and the next standup's) unindexed meanwhile."""
    yesterday = str(TODAY - dt.timedelta(days=1))
    _store_as_before(firestore_store, yesterday, "U1")
    firestore_store.claim_delivery(DeliveryKey.reminder(TEAM, str(TODAY), "U1"), AT)
    assert _mark(firestore_store) == str(TODAY + dt.timedelta(days=7))
    _store_as_before(firestore_store, str(TODAY), "U2")  # an older replica, after the mark
    updates, deliveries = firestore_store.list_date_records(TEAM, str(TODAY))
    assert [u.user_id for u in updates] == ["U2"]
    assert sorted(d.target for d in deliveries) == ["U1", "U2"]
