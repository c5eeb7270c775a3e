"""Claims on scheduled slots: which process runs a slot, decided by compare-and-set.

Example::

    claims = SlotClaims(store, lease=dt.timedelta(minutes=5), now=clock)
    claim = claims.claim("reminder:default", slot)   # a SlotClaim, or why not (a str)
    ...                                               # run the slot
    claims.mark_done(claim)

A slot is this process's to run when nobody claimed it, or when its claimer is dead (on
this host) or let its lease run out (elsewhere, where only the lease can tell); a done
slot, or a later slot of the same job, is never run again. The store's `swap_slot_claim`
makes each step atomic, so of several replicas racing for one slot exactly one wins.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace

from marvin.domain.models import SlotClaim
from marvin.store.base import Store, StoreError
from marvin.store.liveness import is_alive_here, is_dead_here, this_process

log = logging.getLogger("marvin.store.slot_claims")

ALREADY_RAN = "already ran"
RUNNING_ELSEWHERE = "running elsewhere"
RELEASED = "released at shutdown by"
"""A released slot claim's owner starts so: no process, alive or dead, so it is free to
take at once (its `claimed_at` is set back beyond any lease)."""


class SlotClaims:
    """The claim protocol on one store, with one lease."""

    def __init__(self, store: Store, lease: dt.timedelta,
                 now: Callable[[], dt.datetime]) -> None:
        self.store = store
        self.lease = lease
        self.now = now

    def claim(self, job: str, slot: dt.datetime) -> SlotClaim | str:
        """This process's claim on `slot` of `job`, or why it must not run it: a later
        slot was claimed or this one is done (`ALREADY_RAN`), or its claimer may still be
        running it, alive on this host or elsewhere within the lease (`RUNNING_ELSEWHERE`);
        a lost compare-and-set is the latter. Raises StoreError."""
        current = self.store.get_slot_claim(job)
        now = self.now()
        if current is not None and current.slot >= slot:
            if current.slot > slot or current.done:
                return ALREADY_RAN
            expired = current.claimed_at + self.lease <= now and not is_alive_here(current.owner)
            if not (is_dead_here(current.owner) or expired):
                return RUNNING_ELSEWHERE
        claim = SlotClaim(job, slot, this_process(), now)
        return claim if self.store.swap_slot_claim(current, claim) else RUNNING_ELSEWHERE

    def unfinished(self, job: str, slot: dt.datetime) -> bool:
        """Someone claimed `slot` of `job` and did not mark it done. Raises StoreError."""
        claim = self.store.get_slot_claim(job)
        return claim is not None and not claim.done and claim.slot == slot

    def renew(self, claim: SlotClaim) -> SlotClaim | None:
        """`claim` moved to now (a run still in progress), or None when it is no longer
        this process's (released, taken over) or the store failed."""
        fresh = replace(claim, claimed_at=self.now())
        try:
            return fresh if self.store.swap_slot_claim(claim, fresh) else None
        except StoreError as exc:
            log.warning("%s: cannot renew the claim of slot %s: %s", claim.job, claim.slot, exc)
            return None

    def release(self, claim: SlotClaim) -> bool:
        """Give `claim` back, so any process may take the slot at once."""
        free = replace(claim, owner=f"{RELEASED} {claim.owner}",
                       claimed_at=claim.claimed_at - self.lease - dt.timedelta(days=1))
        try:
            return self.store.swap_slot_claim(claim, free)
        except StoreError as exc:  # its lease still frees it, later
            log.warning("%s: cannot release slot %s: %s", claim.job, claim.slot, exc)
            return False

    def mark_done(self, claim: SlotClaim) -> None:
        """The slot ran: nobody runs it again. Logged, not raised, when it cannot be."""
        try:
            if not self.store.swap_slot_claim(claim, replace(claim, done=True)):
                log.warning("%s: slot %s was taken over while it ran", claim.job, claim.slot)
        except StoreError as exc:
            log.warning("%s: cannot mark slot %s done: %s", claim.job, claim.slot, exc)
