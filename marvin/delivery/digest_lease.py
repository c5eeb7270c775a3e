"""One sync edits a posted digest at a time, across threads and replicas, and no save is left out.

Each sync renders the digest from what it read and ``chat.update``s it; two run side by
side (two replicas, or two threads, saving two people's edits at once) could let the older
render's update land last, and the message would show the older text while the store and
the record say otherwise. So a sync edits a digest only while it holds the digest's edit
claim, a delivery claim in the store (``digest/TEAM/DATE/CHANNEL#editing``:
`Store.claim_delivery` has exactly one winner on both stores). A sync that finds the claim
held does not wait: it leaves a request (``...#edit-again``) and returns, and the holder
makes another pass for it.

Why no save is left out: a sync sets the request after its save and only then tries the
claim; the holder clears the request *before* each pass (the pass then reads the store
after every save whose request it cleared) and looks for a request *after* giving the
claim back. So a request set while a pass ran is seen after that pass, by the holder, who
takes the claim again for it, or leaves it to whoever took the claim in between (who
clears and passes in turn). Passes of one digest never overlap, so the last
``chat.update`` to land is the one rendered last, from the latest read.

A holder that died (or could not reach the store to give the claim back) leaves its
claim: taken over at once on its own host when its process is gone, else after the
delivery lease; the requests left meanwhile are served by the next save or `marvin run
standup` (what a refused edit already relies on). The claim and the request are deleted
when done, so they are only ever seen mid-sync or after a crash, as claimed (not sent)
digest records: a standup's date page lists them as such, and nothing else acts on them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from marvin.delivery.digest_edits import SyncResult
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Claimed, read_detail
from marvin.domain.models import Delivery
from marvin.store.base import Store
from marvin.store.liveness import is_dead_here, this_process

__all__ = ["EDIT_AGAIN", "EDITING", "HANDED_OVER", "EditLease"]

EDITING = "#editing"
EDIT_AGAIN = "#edit-again"
HANDED_OVER = "another sync is editing this digest; it brings this save in too"


@dataclass(frozen=True)
class EditLease:
    """The edit claims of posted digests in `store`; a claim older than `lease` whose
    holder is not known to be alive may be taken over."""

    store: Store
    now: Callable[[], dt.datetime]
    lease: dt.timedelta

    def one_at_a_time(self, digest: DeliveryKey, sync: Callable[[], SyncResult]) -> SyncResult:
        """Run `sync` (one pass over the digest `digest`) holding its edit claim, again
        while another sync asked for a pass meanwhile; or, if another sync holds the claim,
        leave it a request and return at once. Raises StoreError."""
        editing, again = _marked(digest, EDITING), _marked(digest, EDIT_AGAIN)
        owner = this_process()
        self.store.claim_delivery(again, self.now(), owner)  # already requested: as good
        passes: list[SyncResult] = []
        while self._take(editing, owner):
            try:
                self.store.release_delivery(again)  # this pass reads every save before it
                passes.append(sync())
            finally:
                self.store.release_delivery(editing)
            if self._record(again) is None:
                break
        if not passes:
            return SyncResult(skipped=HANDED_OVER)
        return sum(passes[1:], passes[0])

    def _take(self, editing: DeliveryKey, owner: str) -> bool:
        """Claim `editing`, or take over a claim its holder left behind."""
        now = self.now()
        if self.store.claim_delivery(editing, now, owner):
            return True
        current = self._record(editing)
        if current is None:  # given back just now: one more try; losing it is as good
            return self.store.claim_delivery(editing, now, owner)
        state = read_detail(current)
        dead = isinstance(state, Claimed) and is_dead_here(state.owner)
        return self.store.reclaim_delivery(
            editing, now, now - self.lease, if_owner=current.detail if dead else None,
            new_owner=owner) is not None

    def _record(self, key: DeliveryKey) -> Delivery | None:
        return self.store.get_delivery(key)  # by id: no query per pass


def _marked(digest: DeliveryKey, mark: str) -> DeliveryKey:
    return replace(digest, target=f"{digest.target}{mark}")
