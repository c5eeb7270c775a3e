"""Who may take over a delivery claim at once (`marvin.delivery.owners`), and which processes are
known dead (`marvin.store.liveness`)."""

from __future__ import annotations

import socket

from marvin.delivery.owners import claim_owner, may_take_over_now
from marvin.domain.delivery_records import Claimed, HandedOver
from marvin.store.liveness import is_dead_here, this_process

HOST = socket.gethostname()


def test_a_claim_names_this_process_and_the_task_run() -> None:
    assert claim_owner("run1/send_reminder[3]") == f"{this_process()} run1/send_reminder[3]"
    assert claim_owner(None) == this_process()


def test_this_process_is_alive_whatever_task_run_claimed() -> None:
    assert not is_dead_here(this_process())
    assert not is_dead_here(claim_owner("run1/post_digest"))


def test_a_predecessor_with_our_pid_but_another_start_time_is_dead() -> None:
    host, pid, start = this_process().split(":")
    assert is_dead_here(f"{host}:{pid}:{int(start) + 1} run0/post_digest")


def test_owners_on_other_hosts_or_unreadable_are_never_known_dead() -> None:
    for owner in (f"not-{HOST}:1:1", f"{HOST}:abc:1", f"{HOST}:1:?", "", "resumable: x"):
        assert not is_dead_here(owner), owner


def test_a_task_run_takes_over_only_its_own_claims_at_once() -> None:
    mine = claim_owner("run1/send_reminder[0]")
    assert may_take_over_now(Claimed(mine), mine)
    assert not may_take_over_now(Claimed(claim_owner("run2/send_reminder[0]")), mine)
    # Outside a task run there is no attempt to recognise: a claim of this process may be
    # a live send in another thread.
    assert not may_take_over_now(Claimed(this_process()), claim_owner(None))


def test_anyone_takes_over_a_handed_over_claim_at_once() -> None:
    claim = HandedOver("1 of 2 messages sent, then: http_500")
    assert may_take_over_now(claim, claim_owner("run9/post_digest"))
    assert may_take_over_now(claim, claim_owner(None))


def test_a_claim_of_a_dead_process_is_taken_over_at_once() -> None:
    host, pid, start = this_process().split(":")
    dead = Claimed(f"{host}:{pid}:{int(start) + 1} run0/post_digest")
    assert may_take_over_now(dead, claim_owner("run1/post_digest"))
    assert not may_take_over_now(Claimed(f"not-{HOST}:1:1"), claim_owner("run1/post_digest"))
