"""What only the Firestore backend promises: its layout, its ids, one query, failing fast."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Member, Team
from marvin.store import OutcomeUnknown, StoreError, deadline
from marvin.store.firestore.client import DEFAULT_TIMEOUT, doc_id
from marvin.store.firestore.store import FirestoreStore
from tests.support.deadlines import finishes_within
from tests.support.firestore_faults import FirestoreFaults

DAY = "2026-03-02"
T0 = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)


def test_documents_follow_the_documented_layout(firestore_store: FirestoreStore) -> None:
    firestore_store.append_update("ops", DAY, "U1", "hello", T0)
    firestore_store.claim_delivery(DeliveryKey.digest("ops", DAY, "C123/456"), T0)
    db = firestore_store.client
    update = db.collection("updates").document("ops__2026-03-02__U1").get().to_dict()
    assert re.fullmatch("[0-9a-f]{24}", update.pop("write_id"))  # tells a lost write's fate
    assert update == {"team": "ops", "date": DAY, "user_id": "U1", "entries": ["hello"],
                      "answers": [], "skipped": False, "updated_at": T0,
                      "first_posted_at": T0}
    delivery = db.collection("deliveries").document("digest__ops__2026-03-02__C123%2F456").get()
    assert delivery.exists and delivery.get("target") == "C123/456"


@pytest.fixture
def faults(firestore_project: str) -> Iterator[tuple[FirestoreStore, FirestoreFaults]]:
    """A store whose every Firestore call goes through a `FirestoreFaults` (its public
    ``intercept`` seam): counted, and faulted on demand."""
    interceptor = FirestoreFaults()
    store = FirestoreStore(project=firestore_project, intercept=interceptor)
    yield store, interceptor
    store.close()


def test_list_updates_is_one_query_whatever_the_team_size(
    faults: tuple[FirestoreStore, FirestoreFaults],
) -> None:
    store, interceptor = faults
    for n in range(12):
        store.save_member(Member(f"U{n:02}", "ops"))
        store.append_update("ops", DAY, f"U{n:02}", "x", T0)
    interceptor.calls.clear()
    assert len(store.list_updates("ops", DAY)) == 12
    assert interceptor.calls == Counter(query=1)


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
    "claim_delivery": lambda s: s.claim_delivery(DeliveryKey.digest("ops", DAY, "#g"), T0),
    "delete_team": lambda s: s.delete_team("ops"),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("op", sorted(CALLS))
def test_unreachable_firestore_fails_fast_with_store_error(
    unreachable: Callable[..., FirestoreStore], op: str
) -> None:
    store = unreachable(timeout=1.0)
    error = finishes_within(10.0, lambda: CALLS[op](store))  # 10x the timeout
    assert isinstance(error, StoreError), error
    assert re.search(f"Firestore {op} failed .*unreachable.*127.0.0.1:1", str(error))
    store.close()


@pytest.mark.timeout(60)
def test_unreachable_firestore_with_default_timeout_gives_up_long_before_the_librarys(
    unreachable: Callable[..., FirestoreStore],
) -> None:
    """The library's own retry would go on for 60 s or more: Marvin's 10 s ends well
    inside 30 s, however loaded the machine."""
    store = unreachable()
    assert DEFAULT_TIMEOUT <= 10
    error = finishes_within(30.0, lambda: store.append_update("ops", DAY, "U1", "x", T0))
    assert isinstance(error, StoreError), error
    store.close()


def test_a_supplied_client_is_used_and_left_open(firestore_store: FirestoreStore) -> None:
    borrowed = FirestoreStore(client=firestore_store.client)
    borrowed.save_member(Member("U1", "ops"))
    borrowed.close()
    assert firestore_store.get_member("U1") == Member("U1", "ops")


# Writes whose answer is lost ------------------------------------------------------------------


@pytest.mark.parametrize("existing", [(), ("first",)], ids=["create", "update"])
def test_an_append_whose_answer_is_lost_is_applied_once(
    faults: tuple[FirestoreStore, FirestoreFaults], existing: tuple[str, ...]
) -> None:
    store, interceptor = faults
    for text in existing:
        store.append_update("ops", DAY, "U1", text, T0)
    with interceptor.answer_lost("updates") as lost:
        update = store.append_update("ops", DAY, "U1", "second", T0)

    assert lost == ["updates/ops__2026-03-02__U1"]
    assert update.entries == (*existing, "second")
    assert store.get_update("ops", DAY, "U1").entries == (*existing, "second")  # type: ignore[union-attr]


def test_a_clear_whose_answer_is_lost_returns_what_it_cleared(
    faults: tuple[FirestoreStore, FirestoreFaults],
) -> None:
    store, interceptor = faults
    store.append_update("ops", DAY, "U1", "to clear", T0)
    with interceptor.answer_lost("updates") as lost:
        cleared = store.clear_update("ops", DAY, "U1")

    assert len(lost) == 1
    assert cleared is not None and cleared.entries == ("to clear",)
    assert store.get_update("ops", DAY, "U1") is None


def test_a_lost_answer_that_cannot_be_read_back_is_outcome_unknown(
    faults: tuple[FirestoreStore, FirestoreFaults],
) -> None:
    """The write landed, then every read is refused: the store must not say "not saved"."""
    store, interceptor = faults
    with (
        interceptor.answer_lost("updates", then=interceptor.refuse),
        pytest.raises(OutcomeUnknown, match="may or may not have been applied"),
    ):
        store.append_update("ops", DAY, "U1", "landed", T0)
    interceptor.allow()
    assert store.get_update("ops", DAY, "U1").entries == ("landed",)  # type: ignore[union-attr]


def test_a_deadline_shortens_every_call(
    unreachable: Callable[..., FirestoreStore],
) -> None:
    """The store's own timeout is 10 s; under a 0.5 s deadline an outage surfaces at once."""
    store = unreachable()

    def under_deadline() -> None:
        with deadline(0.5):
            store.get_member("U1")

    error = finishes_within(5.0, under_deadline)  # the store's own 10 s would not
    assert isinstance(error, StoreError), error
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


def test_teams_written_without_digest_settings_keep_working(
    firestore_store: FirestoreStore, firestore_project: str
) -> None:
    """Documents from before digest modes and late windows: a message digest, late
    updates until the next reminder."""
    from google.cloud import firestore

    raw = firestore.Client(project=firestore_project)
    raw.collection("teams").document(doc_id("ops")).set(
        {"name": "ops", "timezone": "UTC", "standup_time": "09:00", "reminder_time": "08:30",
         "days": [0, 1], "channel": "#ops"})

    team = firestore_store.get_team("ops")
    assert team == Team("ops", "UTC", "09:00", "08:30", (0, 1), "#ops")
    assert (team.digest_mode, team.late_until) == ("message", "reminder")  # type: ignore[union-attr]
    assert team.weekly_report == "off"  # type: ignore[union-attr]
    assert (team.holidays, team.custom_holidays) == ("", ())  # type: ignore[union-attr]
