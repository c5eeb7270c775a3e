"""The `Store` contract for one standup date's records (`list_date_records`, what a date
page shows): on both stores the same as `list_updates` and `list_deliveries`, however
they were written, after late writes of every kind, and (Firestore) read by id from the
index every write keeps, without a query; records stored before the index existed are
found by the queries once, then by id."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, Answer, Delivery, Member, Update
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from tests.support.firestore_queries import CallCount

TEAM, DATE, OTHER_DATE = "ops", "2026-03-02", "2026-03-03"
AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def _minutes(n: int) -> dt.datetime:
    return AT + dt.timedelta(minutes=n)


def _seed(store: Store) -> None:
    """Updates (an edit, answers, a skip, one cleared), reminders, a nudge, a digest in
    three parts and one in a thread, notices, a weekly report, one claim released and one
    completion of a claim that was lost; records of another date and team beside them."""
    store.append_update(TEAM, DATE, "U1", "first", _minutes(1))
    store.append_update(TEAM, DATE, "U1", "edit", _minutes(2))
    store.save_answers(TEAM, DATE, "U2", (Answer("q1", "Did?", "answers"),), _minutes(3))
    store.set_skipped(TEAM, DATE, "U3", True, _minutes(4))
    store.append_update(TEAM, DATE, "U4", "gone", _minutes(5))
    store.clear_update(TEAM, DATE, "U4")
    store.append_update(TEAM, OTHER_DATE, "U1", "another date", _minutes(6))
    store.append_update("web", DATE, "U1", "another team", _minutes(6))
    keys = [DeliveryKey.reminder(TEAM, DATE, "U2"), DeliveryKey.reminder(TEAM, DATE, "U3"),
            DeliveryKey.nudge(TEAM, DATE, "U3"),
            *(DeliveryKey.digest(TEAM, DATE, f"#general#{p}") for p in range(3)),
            DeliveryKey.digest(TEAM, DATE, "#standup/1767340800.000100"),
            DeliveryKey.notice(TEAM, DATE, "U3", "ULEAD"),
            DeliveryKey.notice(TEAM, DATE, "U3", "#blockers"),
            DeliveryKey.weekly_report(TEAM, DATE, "#general"),
            DeliveryKey.reminder(TEAM, OTHER_DATE, "U2"), DeliveryKey.reminder("web", DATE, "U2")]
    for n, key in enumerate(keys):
        assert store.claim_delivery(key, _minutes(10 + n), owner="run-1")
        if n % 2 == 0:
            store.complete_delivery(key, f"C1:17673408{n:02d}.000100")
    store.release_delivery(DeliveryKey.reminder(TEAM, DATE, "U3"))
    store.complete_delivery(DeliveryKey.nudge(TEAM, DATE, "U1"), "C1:1767340900.000100")


def _queried(store: Store, date: str = DATE) -> tuple[list[Update], list[Delivery]]:
    return store.list_updates(TEAM, date), store.list_deliveries(TEAM, date)


@contextmanager
def _counted(store: Store) -> Iterator[tuple[Store, Counter[str]]]:
    """`store` itself on SQLite; on Firestore another store on the same project, whose
    calls are counted."""
    if not isinstance(store, FirestoreStore):
        yield store, Counter()
        return
    calls = CallCount()
    with closing(FirestoreStore(client=store.client, intercept=calls)) as counted:
        yield counted, calls.ops


def test_a_dates_records_are_those_of_the_queries_read_by_id(store: Store) -> None:
    _seed(store)
    expected = _queried(store)
    assert len(expected[0]) == 3 and len(expected[1]) == 10  # sanity of the seed
    with _counted(store) as (counted, calls):
        assert counted.list_date_records(TEAM, DATE) == expected
        assert counted.list_date_records(TEAM, "2026-03-04") == ([], [])
    assert calls["query"] == 0  # every record was indexed as it was written


def test_every_late_write_of_the_date_shows_on_the_next_read(store: Store) -> None:
    _seed(store)
    late_writes = [
        lambda: store.append_update(TEAM, DATE, "U5", "late", _minutes(600)),
        lambda: store.append_update(TEAM, DATE, "U1", "late edit", _minutes(601)),
        lambda: store.claim_delivery(DeliveryKey.notice(TEAM, DATE, "U5", "ULEAD"),
                                     _minutes(602)),
        lambda: store.complete_delivery(DeliveryKey.reminder(TEAM, DATE, "U3"), "C1:1.2"),
        lambda: store.release_delivery(DeliveryKey.nudge(TEAM, DATE, "U3")),
        lambda: store.clear_update(TEAM, DATE, "U2"),
        lambda: store.set_skipped(TEAM, DATE, "U2", True, _minutes(603)),
        lambda: store.save_absence(Absence("U1", DATE, DATE, "sick")),
    ]
    for write in late_writes:
        assert store.list_date_records(TEAM, DATE) == _queried(store)
        write()
        assert store.list_date_records(TEAM, DATE) == _queried(store)


def test_the_index_and_the_days_summary_share_a_document_without_harm(store: Store) -> None:
    """The summary saved after the index keeps it, and a stale mark (an update write, time
    off over the date) keeps both the index and, once saved again, the summary."""
    from marvin.domain.day_summary import DaySummary

    _seed(store)
    summary = DaySummary(team=TEAM, date=DATE, posted=2, away=0, skipped=1, missed=0,
                         reminders=1, nudges=1, first_posts=(1, 2), unknown_first_posts=0)
    store.save_member(Member("U9", TEAM, "Ann"))
    [record] = store.list_day_summaries(TEAM, DATE, DATE)
    assert record.summary is None
    assert store.save_day_summary(summary, record.version)
    assert store.list_date_records(TEAM, DATE) == _queried(store)
    assert [s.summary for s in store.list_day_summaries(TEAM, DATE, DATE)] == [summary]
    store.save_absence(Absence("U9", DATE, DATE, "holiday"))
    assert [s.summary for s in store.list_day_summaries(TEAM, DATE, DATE)] == [None]
    with _counted(store) as (counted, calls):
        assert counted.list_date_records(TEAM, DATE) == _queried(store)
    assert calls["query"] == 0
