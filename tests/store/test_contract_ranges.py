"""The `Store` contract for reading a range of dates at once (the standup pages), and one
delivery by its key (the App Home): every test here runs on SQLite and on Firestore (the
emulator)."""

from __future__ import annotations

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DeliveryKind
from marvin.store import Store
from tests.store.test_contract import at

DIGEST, REMINDER = DeliveryKind.DIGEST, DeliveryKind.REMINDER


def test_updates_between_keeps_only_that_team_and_range_sorted_by_date_then_user(
    store: Store,
) -> None:
    for team, date, user_id in [
        ("ops", "2026-03-03", "U2"), ("ops", "2026-03-02", "U3"), ("ops", "2026-03-02", "U1"),
        ("ops", "2026-03-01", "U1"), ("ops", "2026-03-05", "U1"), ("dev", "2026-03-03", "U1"),
        ("ops", "2026-03-04", "U10"),
    ]:
        store.append_update(team, date, user_id, f"{team} {date} {user_id}", at(0))
    listed = store.list_updates_between("ops", "2026-03-02", "2026-03-04")
    assert [(u.date, u.user_id) for u in listed] == [
        ("2026-03-02", "U1"), ("2026-03-02", "U3"), ("2026-03-03", "U2"), ("2026-03-04", "U10")]
    assert listed[0].first_posted_at == at(0)
    assert listed[0] == store.get_update("ops", "2026-03-02", "U1")
    assert store.list_updates_between("ops", "2026-03-06", "2026-04-01") == []
    assert store.list_updates_between("ops", "2026-03-04", "2026-03-02") == []


def test_deliveries_between_keeps_only_that_team_and_range_sorted(store: Store) -> None:
    for kind, team, date, target in [
        (REMINDER, "ops", "2026-03-03", "U2"), (DIGEST, "ops", "2026-03-03", "#general"),
        (REMINDER, "ops", "2026-03-02", "U1"), (DIGEST, "dev", "2026-03-02", "#general"),
        (REMINDER, "ops", "2026-03-09", "U1"), (REMINDER, "ops", "2026-03-03", "U1"),
    ]:
        store.claim_delivery(DeliveryKey(kind, team, date, target), at(0))
    store.complete_delivery(DeliveryKey(REMINDER, "ops", "2026-03-02", "U1"), "D1:1.2")
    listed = store.list_deliveries_between("ops", "2026-03-01", "2026-03-08")
    assert [(d.date, d.kind, d.target) for d in listed] == [
        ("2026-03-02", REMINDER, "U1"), ("2026-03-03", DIGEST, "#general"),
        ("2026-03-03", REMINDER, "U1"), ("2026-03-03", REMINDER, "U2")]
    assert (listed[0].sent, listed[0].detail) == (True, "D1:1.2")


def test_get_delivery_reads_one_by_its_key(store: Store) -> None:
    report = DeliveryKey.weekly_report("ops", "2026-03-02", "#general")
    assert store.get_delivery(report) is None
    store.claim_delivery(report, at(0), owner="host:1:2")
    store.claim_delivery(DeliveryKey.weekly_report("ops", "2026-03-02", "#other"), at(0))
    store.claim_delivery(DeliveryKey.weekly_report("dev", "2026-03-02", "#general"), at(0))
    claimed = store.get_delivery(report)
    assert claimed is not None and (claimed.sent, claimed.detail) == (False, "host:1:2")
    store.complete_delivery(report, "C1:1.2")
    sent = store.get_delivery(report)
    assert sent is not None
    assert (sent.kind, sent.team, sent.date, sent.target, sent.sent, sent.detail) == (
        DeliveryKind.REPORT, "ops", "2026-03-02", "#general", True, "C1:1.2")
