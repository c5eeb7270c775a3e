"""What the Firestore backends do with each error Firestore answers, injected through the
public ``intercept`` seam: "not applied" errors (ABORTED, RESOURCE_EXHAUSTED, UNAVAILABLE)
are retried, a bounded number of times; the others become a clear `StoreError` at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from google.api_core import exceptions as gexc

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DeliveryKind
from marvin.store import StoreError, deadline
from marvin.store.firestore import client
from marvin.store.firestore.client import CALL_ATTEMPTS
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.store import FirestoreStore
from tests.store.history_records import flow_run, task_run
from tests.support.firestore_faults import WRITES, FirestoreFaults

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
NOT_APPLIED: list[Callable[[str], Exception]] = [
    gexc.Aborted, gexc.ResourceExhausted, gexc.ServiceUnavailable,
]


@pytest.fixture
def faults(firestore_project: str) -> Iterator[tuple[FirestoreStore, FirestoreFaults]]:
    interceptor = FirestoreFaults()
    store = FirestoreStore(project=firestore_project, intercept=interceptor, timeout=5.0)
    yield store, interceptor
    store.close()


@pytest.fixture
def history_faults(firestore_project: str) -> Iterator[tuple[FirestoreHistory, FirestoreFaults]]:
    interceptor = FirestoreFaults()
    history = FirestoreHistory(project=firestore_project, intercept=interceptor, timeout=5.0)
    yield history, interceptor
    history.close()


@pytest.mark.parametrize("error", NOT_APPLIED, ids=lambda e: e.__name__)
def test_an_append_answered_not_applied_is_retried_and_saved_once(
    faults: tuple[FirestoreStore, FirestoreFaults], error: Callable[[str], Exception]
) -> None:
    store, interceptor = faults
    store.append_update("ops", "2026-03-02", "U1", "first", AT)
    with interceptor.failing(WRITES, error, times=2) as left:
        update = store.append_update("ops", "2026-03-02", "U1", "second", AT)
    assert left == [0]
    assert update.entries == ("first", "second")
    assert store.get_update("ops", "2026-03-02", "U1") == update


@pytest.mark.parametrize("error", NOT_APPLIED, ids=lambda e: e.__name__)
def test_claims_completions_and_reads_survive_contention(
    faults: tuple[FirestoreStore, FirestoreFaults], error: Callable[[str], Exception]
) -> None:
    store, interceptor = faults
    key = DeliveryKey(DeliveryKind.REMINDER, "ops", "2026-03-02", "U1")
    with interceptor.failing(WRITES | {"get", "query"}, error, times=1):
        assert store.claim_delivery(key, AT, "me")
    with interceptor.failing(WRITES, error, times=1):
        store.complete_delivery(key, "sent")
    with interceptor.failing(frozenset({"query"}), error, times=1):
        [delivery] = store.list_deliveries("ops", "2026-03-02")
    assert delivery.sent
    with interceptor.failing(WRITES, error, times=1):
        assert not store.claim_delivery(key, AT, "other")  # still decided by create()


def test_contention_that_never_ends_is_a_store_error_after_bounded_tries(
    faults: tuple[FirestoreStore, FirestoreFaults],
) -> None:
    store, interceptor = faults
    with interceptor.failing(WRITES, gexc.Aborted, times=1000) as left, \
            pytest.raises(StoreError, match="forget_channel.*retried and not applied"):
        store.forget_channel("#general")
    assert 1000 - left[0] == CALL_ATTEMPTS


def test_retries_stay_inside_the_callers_deadline(
    faults: tuple[FirestoreStore, FirestoreFaults], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the longest pauses, all tries would take 1.5 s: a 0.15 s deadline cuts them short."""
    store, interceptor = faults
    monkeypatch.setattr(client.random, "uniform", lambda low, high: high)
    with interceptor.failing(WRITES, gexc.Aborted, times=1000) as left, \
            pytest.raises(StoreError), deadline(0.15):
        store.forget_channel("#general")
    assert 1000 - left[0] in (1, 2)  # never sleeps past the deadline to try once more


@pytest.mark.parametrize(("error", "hint"), [
    (gexc.PermissionDenied, "roles/datastore.user"),
    (lambda m: gexc.FailedPrecondition(f"{m}: the query requires an index"),
     "firestore.indexes.json"),
], ids=["PermissionDenied", "missing-index"])
def test_refusals_are_not_retried_and_say_what_to_do(
    faults: tuple[FirestoreStore, FirestoreFaults], error: Callable[[str], Exception], hint: str,
) -> None:
    store, interceptor = faults
    with interceptor.failing(frozenset({"query"}), error, times=2) as left, \
            pytest.raises(StoreError, match=hint):
        store.list_updates("ops", "2026-03-02")
    assert left == [1]  # tried once


@pytest.mark.parametrize("error", NOT_APPLIED, ids=lambda e: e.__name__)
def test_history_writes_and_reads_are_retried(
    history_faults: tuple[FirestoreHistory, FirestoreFaults], error: Callable[[str], Exception]
) -> None:
    history, interceptor = history_faults
    with interceptor.failing(frozenset({"set", "commit", "get", "query"}), error, times=1):
        history.save_flow_run(flow_run())
    with interceptor.failing(frozenset({"commit"}), error, times=2):
        history.save_task_runs([task_run(0), task_run(1)])
    with interceptor.failing(frozenset({"get", "query"}), error, times=2):
        found = history.get_run(flow_run().id)
    assert found is not None and [t.position for t in found.task_runs] == [0, 1]
    with interceptor.failing(frozenset({"query", "commit"}), error, times=2):
        assert history.delete_runs_before(AT + dt.timedelta(days=1)) == 1
