"""What only the Firestore backend promises: its layout, its ids, one query, failing fast."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from google.api_core import exceptions as gexc
from hypothesis import example, given
from hypothesis import strategies as st

from marvin.models import DeliveryKind, Member
from marvin.store import OutcomeUnknown, StoreError, deadline
from marvin.store.firestore import DEFAULT_TIMEOUT, FirestoreStore, doc_id

DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)
RPCS = ["run_query", "batch_get_documents", "get_document", "list_documents", "commit",
        "begin_transaction", "run_aggregation_query", "partition_query"]  # every read or write


@given(st.lists(st.tuples(st.text(), st.text(), st.text()), min_size=2, max_size=6, unique=True))
@example([("a__b", "c", "d"), ("a", "b__c", "d")])
@example([("a/b", "", "x"), ("a%2Fb", "", "x"), ("a", "", "x"), ("", "a", "x")])
@example([("a_", "_b", ""), ("a", "__b", ""), ("a__", "b", "")])
def test_doc_id_never_maps_two_keys_to_one_id(keys: list[tuple[str, str, str]]) -> None:
    assert len({doc_id(*key) for key in keys}) == len(keys)


@given(st.lists(st.text(), min_size=1, max_size=4))
@example(["."])
@example([".."])
@example(["__x__"])
@example([""])
@example(["a/b/c"])
def test_doc_id_is_always_a_legal_firestore_id(parts: list[str]) -> None:
    ident = doc_id(*parts)
    assert ident and "/" not in ident and ident not in {".", ".."}
    assert not re.fullmatch(r"__.*__", ident)


def test_doc_id_keeps_slack_names_readable() -> None:
    assert doc_id("digest", "ops", DAY, "#general") == "digest__ops__2026-03-02__#general"
    assert doc_id("C123/456") == "C123%2F456"


def test_documents_follow_the_documented_layout(firestore_store: FirestoreStore) -> None:
    firestore_store.append_update("ops", DAY, "U1", "hello", T0)
    firestore_store.claim_delivery(DeliveryKind.DIGEST, "ops", DAY, "C123/456", T0)
    db = firestore_store.client
    update = db.collection("updates").document("ops__2026-03-02__U1").get().to_dict()
    assert re.fullmatch("[0-9a-f]{24}", update.pop("write_id"))  # tells a lost write's fate
    assert update == {"team": "ops", "date": DAY, "user_id": "U1", "entries": ["hello"],
                      "updated_at": T0}
    delivery = db.collection("deliveries").document("digest__ops__2026-03-02__C123%2F456").get()
    assert delivery.exists and delivery.get("target") == "C123/456"


@pytest.fixture
def rpc_calls(firestore_store: FirestoreStore, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts every RPC the store's client makes, by method name."""
    calls: Counter[str] = Counter()
    api = firestore_store.client._firestore_api

    def counting(name: str, rpc: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return rpc(*args, **kwargs)

        return call

    for name in RPCS:
        monkeypatch.setattr(api, name, counting(name, getattr(api, name)))
    return calls


def test_list_updates_is_one_query_whatever_the_team_size(
    firestore_store: FirestoreStore, rpc_calls: Counter[str]
) -> None:
    for n in range(12):
        firestore_store.save_member(Member(f"U{n:02}", "ops"))
        firestore_store.append_update("ops", DAY, f"U{n:02}", "x", T0)
    rpc_calls.clear()
    assert len(firestore_store.list_updates("ops", DAY)) == 12
    assert rpc_calls == Counter(run_query=1)


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FirestoreStore]:
    """Builds stores whose client points at a port nothing listens on."""
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
    return lambda **kw: FirestoreStore(project="unreachable", **kw)


CALLS: dict[str, Callable[[FirestoreStore], object]] = {
    "get_team": lambda s: s.get_team("ops"),
    "list_updates": lambda s: s.list_updates("ops", DAY),
    "append_update": lambda s: s.append_update("ops", DAY, "U1", "x", T0),
    "clear_update": lambda s: s.clear_update("ops", DAY, "U1"),
    "claim_delivery": lambda s: s.claim_delivery(DeliveryKind.DIGEST, "ops", DAY, "#g", T0),
    "delete_team": lambda s: s.delete_team("ops"),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("op", sorted(CALLS))
def test_unreachable_firestore_fails_fast_with_store_error(
    unreachable: Callable[..., FirestoreStore], op: str
) -> None:
    store = unreachable(timeout=1.0)
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"Firestore {op} failed .*unreachable.*127.0.0.1:1"):
        CALLS[op](store)
    assert time.monotonic() - started < 1.0 + 4
    store.close()


@pytest.mark.timeout(60)
def test_unreachable_firestore_with_default_timeout_gives_up_within_15s(
    unreachable: Callable[..., FirestoreStore],
) -> None:
    store = unreachable()
    started = time.monotonic()
    with pytest.raises(StoreError):
        store.append_update("ops", DAY, "U1", "x", T0)
    assert DEFAULT_TIMEOUT <= 10 and time.monotonic() - started < 15
    store.close()


def test_a_supplied_client_is_used_and_left_open(firestore_store: FirestoreStore) -> None:
    borrowed = FirestoreStore(client=firestore_store.client)
    borrowed.save_member(Member("U1", "ops"))
    borrowed.close()
    assert firestore_store.get_member("U1") == Member("U1", "ops")


# Writes whose answer is lost ------------------------------------------------------------------


def lose_next_commit_answer(
    store: FirestoreStore, monkeypatch: pytest.MonkeyPatch, then: Callable[[], None] = lambda: None
) -> list[int]:
    """The next commit is applied, then fails as DEADLINE_EXCEEDED (Firestore: "the
    operation may have completed"); `then` runs in between. Returns a list that counts it."""
    api = store.client._firestore_api
    real = api.commit
    lost: list[int] = []

    def commit(*args: Any, **kwargs: Any) -> Any:
        response = real(*args, **kwargs)
        if not lost:
            lost.append(1)
            then()
            raise gexc.DeadlineExceeded("answer lost (injected)")  # type: ignore[no-untyped-call]
        return response

    monkeypatch.setattr(api, "commit", commit)
    return lost


@pytest.mark.parametrize("existing", [(), ("first",)], ids=["create", "update"])
def test_an_append_whose_answer_is_lost_is_applied_once(
    firestore_store: FirestoreStore, monkeypatch: pytest.MonkeyPatch, existing: tuple[str, ...]
) -> None:
    for text in existing:
        firestore_store.append_update("ops", DAY, "U1", text, T0)
    lost = lose_next_commit_answer(firestore_store, monkeypatch)

    update = firestore_store.append_update("ops", DAY, "U1", "second", T0)

    assert lost == [1]
    assert update.entries == (*existing, "second")
    assert firestore_store.get_update("ops", DAY, "U1").entries == (*existing, "second")  # type: ignore[union-attr]


def test_a_clear_whose_answer_is_lost_returns_what_it_cleared(
    firestore_store: FirestoreStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    firestore_store.append_update("ops", DAY, "U1", "to clear", T0)
    lost = lose_next_commit_answer(firestore_store, monkeypatch)

    cleared = firestore_store.clear_update("ops", DAY, "U1")

    assert lost == [1]
    assert cleared is not None and cleared.entries == ("to clear",)
    assert firestore_store.get_update("ops", DAY, "U1") is None


def test_a_lost_answer_that_cannot_be_read_back_is_outcome_unknown(
    firestore_store: FirestoreStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write landed, then every read is refused: the store must not say "not saved"."""
    api = firestore_store.client._firestore_api

    def refuse_reads() -> None:
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise gexc.PermissionDenied("reads refused (injected)")  # type: ignore[no-untyped-call]

        for name in ("batch_get_documents", "get_document"):
            monkeypatch.setattr(api, name, refused)

    lose_next_commit_answer(firestore_store, monkeypatch, then=refuse_reads)

    with pytest.raises(OutcomeUnknown, match="may or may not have been applied"):
        firestore_store.append_update("ops", DAY, "U1", "landed", T0)
    monkeypatch.undo()
    assert firestore_store.get_update("ops", DAY, "U1").entries == ("landed",)  # type: ignore[union-attr]


def test_a_deadline_shortens_every_call(
    unreachable: Callable[..., FirestoreStore],
) -> None:
    """The store's own timeout is 10 s; under a 0.5 s deadline an outage surfaces at once."""
    store = unreachable()
    started = time.monotonic()
    with deadline(0.5), pytest.raises(StoreError):
        store.get_member("U1")
    assert time.monotonic() - started < 3
    store.close()


def test_members_written_without_dates_keep_working(
    firestore_store: FirestoreStore, firestore_project: str
) -> None:
    """Documents from before members had join and leave dates: always, still."""
    from google.cloud import firestore

    raw = firestore.Client(project=firestore_project)
    raw.collection("members").document(doc_id("U1")).set(
        {"user_id": "U1", "team": "ops", "name": "Arthur"})

    assert firestore_store.get_member("U1") == Member("U1", "ops", "Arthur")
    assert firestore_store.list_members("ops") == [Member("U1", "ops", "Arthur")]
    assert firestore_store.remove_member("U1", "2026-11-24")
    assert firestore_store.list_members("ops", include_former=True) == [
        Member("U1", "ops", "Arthur", left_on="2026-11-24")]
