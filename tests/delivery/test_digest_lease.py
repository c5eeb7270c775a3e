"""The edit claim of a posted digest: one sync at a time, a request left is served, a
claim left behind is taken over. Both stores, no threads: a sync is a plain callable."""

from __future__ import annotations

import datetime as dt

from marvin.delivery.digest_edits import SyncResult
from marvin.delivery.digest_lease import EDIT_AGAIN, EDITING, HANDED_OVER, EditLease
from marvin.domain.delivery_key import DeliveryKey
from marvin.store import Store
from marvin.store.liveness import this_process

AT = dt.datetime(2026, 6, 8, 12, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(minutes=5)
DIGEST = DeliveryKey.digest("team", "2026-06-08", "#general")


class Clock:
    def __init__(self) -> None:
        self.at = AT

    def __call__(self) -> dt.datetime:
        return self.at


def marks(store: Store) -> list[str]:
    """The edit claims and requests left in the store."""
    return [d.target for d in store.list_deliveries(DIGEST.team, DIGEST.date)
            if d.target.startswith(DIGEST.target + "#edit")]


def test_a_sync_finding_the_claim_held_leaves_a_request_the_holder_passes_again_for(
    store: Store,
) -> None:
    lease = EditLease(store, Clock(), LEASE)
    passes: list[str] = []
    handed_over: list[SyncResult] = []

    def holder_pass() -> SyncResult:
        passes.append("holder")
        if len(passes) == 1:  # another save's sync arrives while this pass runs
            handed_over.append(lease.one_at_a_time(DIGEST, other_pass))
        return SyncResult(edited=1)

    def other_pass() -> SyncResult:
        passes.append("other")
        return SyncResult(edited=1)

    result = lease.one_at_a_time(DIGEST, holder_pass)

    assert passes == ["holder", "holder"]  # the other save was brought in by a second pass
    assert [r.skipped for r in handed_over] == [HANDED_OVER]
    assert result.edited == 2 and marks(store) == []


def test_a_claim_left_by_a_dead_process_of_this_host_is_taken_over_at_once(
    store: Store,
) -> None:
    host, pid, _start = this_process().split(":")
    dead = f"{host}:{pid}:0"  # this pid, another start time: a predecessor that died
    store.claim_delivery(DeliveryKey.digest(DIGEST.team, DIGEST.date, "#general" + EDITING),
                         AT, dead)

    result = EditLease(store, Clock(), LEASE).one_at_a_time(
        DIGEST, lambda: SyncResult(edited=1))

    assert result.edited == 1 and marks(store) == []


def test_a_claim_held_on_another_host_is_waited_for_until_its_lease_ends(
    store: Store,
) -> None:
    clock = Clock()
    lease = EditLease(store, clock, LEASE)
    store.claim_delivery(DeliveryKey.digest(DIGEST.team, DIGEST.date, "#general" + EDITING),
                         AT, "elsewhere:1:12345")
    passes: list[int] = []

    def one_pass() -> SyncResult:
        passes.append(1)
        return SyncResult(edited=1)

    assert lease.one_at_a_time(DIGEST, one_pass).skipped == HANDED_OVER
    assert passes == []
    assert sorted(marks(store)) == sorted(["#general" + EDITING, "#general" + EDIT_AGAIN])

    clock.at = AT + LEASE + dt.timedelta(seconds=1)  # its holder is presumed gone
    assert lease.one_at_a_time(DIGEST, one_pass).edited == 1
    assert passes == [1] and marks(store) == []
