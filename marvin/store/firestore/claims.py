"""Firestore records that exactly one caller may win: delivery claims, seen requests and
scheduled slot claims.

Each is decided by Firestore itself: ``create()`` succeeds for one caller only, and a
later change is made under the document's ``update_time`` precondition, so whoever wrote
in between makes us lose. Layout: ``deliveries/{kind}__{team}__{date}__{target}``,
``seen_requests/{key}`` (field expires_at: give it a TTL policy on a real project) and
``slot_claims/{job}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.api_core import exceptions as gexc

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Delivery, DeliveryKind, SlotClaim
from marvin.store.firestore.client import LOST_RACE, utc
from marvin.store.firestore.date_records import DateRecordDocuments
from marvin.store.firestore.documents import (
    delivery_from_doc,
    slot_claim_doc,
    slot_claim_from_doc,
)


def _delivery_fields(key: DeliveryKey) -> dict[str, str]:
    """The fields that name a delivery in its document."""
    return {"kind": DeliveryKind(key.kind).value, "team": key.team, "date": key.date,
            "target": key.target}


class ClaimDocuments(DateRecordDocuments):
    """The `Store` methods for deliveries, seen requests and slot claims. A new delivery
    joins its date's index of records (date_records.py) before it is created, and marks
    the date's summary stale (it counts the reminders and nudges sent)."""

    # Deliveries --------------------------------------------------------------
    def claim_delivery(self, key: DeliveryKey, at: dt.datetime, owner: str = "") -> bool:
        """``create()`` succeeds for exactly one caller; AlreadyExists means someone else won."""
        doc = {**_delivery_fields(key), "claimed_at": utc(at), "sent": False, "detail": owner}
        with self._errors("claim_delivery"):
            self._mark_delivery_created(key)
            try:
                self._delivery_doc(key).create(doc, **self._write)
            except gexc.AlreadyExists:
                return False
        self._mark_stale_after(key.team, key.date)
        return True

    def reclaim_delivery(
        self, key: DeliveryKey, at: dt.datetime, older_than: dt.datetime,
        *, if_owner: str | None = None, new_owner: str = "",
    ) -> Delivery | None:
        """Re-stamp with a precondition on the document's update time: if anyone changed
        it since we read it (another reclaimer, a late completion), we lose and say None."""
        ref = self._delivery_doc(key)
        with self._errors("reclaim_delivery"):
            snapshot = ref.get(**self._read)
            if not snapshot.exists:
                return None
            previous = delivery_from_doc(snapshot.to_dict())
            if not previous.may_be_reclaimed(older_than, if_owner):
                return None
            option = self._client.write_option(last_update_time=snapshot.update_time)
            try:
                ref.update(
                    {"claimed_at": utc(at), "detail": new_owner}, option=option, **self._write
                )
            except LOST_RACE:
                return None
        return previous

    def complete_delivery(self, key: DeliveryKey, detail: str = "") -> None:
        """Mark a claimed delivery as sent; an unclaimed one is recorded as sent (claimed now).

        Recording rather than refusing keeps "at most once" when a claim was lost: the
        message has gone out, so no re-run may send it again.
        """
        ref = self._delivery_doc(key)
        with self._errors("complete_delivery"):
            try:
                ref.update({"sent": True, "detail": detail}, **self._write)
            except gexc.NotFound:
                doc = {**_delivery_fields(key), "claimed_at": dt.datetime.now(dt.UTC),
                       "sent": True, "detail": detail}
                self._mark_delivery_created(key)
                ref.set(doc, **self._write)
                self._mark_stale_after(key.team, key.date)

    def release_delivery(self, key: DeliveryKey) -> None:
        """Give a claim back (delete it) so a retry or re-run may claim it again."""
        with self._errors("release_delivery"):
            self._delivery_doc(key).delete(**self._write)

    def _delivery_doc(self, key: DeliveryKey) -> Any:
        """The document ``deliveries/{kind}__{team}__{date}__{target}``."""
        return self._doc("deliveries", DeliveryKind(key.kind).value, key.team, key.date, key.target)

    def get_delivery(self, key: DeliveryKey) -> Delivery | None:
        """One document by its id."""
        with self._errors("get_delivery"):
            snap = self._delivery_doc(key).get(**self._read)
        return delivery_from_doc(snap.to_dict()) if snap.exists else None

    def list_deliveries(self, team: str, date: str) -> list[Delivery]:
        """Deliveries of a team for a date, sorted by (kind, target)."""
        with self._errors("list_deliveries"):
            docs = self._query("deliveries", team=team, date=date)
        return sorted((delivery_from_doc(d) for d in docs), key=lambda d: (d.kind.value, d.target))

    def list_deliveries_between(self, team: str, since: str, until: str) -> list[Delivery]:
        """One query on the (team, date) composite index, sorted by (date, kind, target)."""
        with self._errors("list_deliveries_between"):
            docs = self._date_range("deliveries", team, since, until)
        return sorted((delivery_from_doc(d) for d in docs),
                      key=lambda d: (d.date, d.kind.value, d.target))

    # Seen requests (replay guard) --------------------------------------------
    def remember_request(self, key: str, at: dt.datetime, expires: dt.datetime) -> bool:
        """``create()`` wins once; an expired note is replaced under an update-time
        precondition, so of two replays after expiry only one is let through."""
        ref, note = self._doc("seen_requests", key), {"expires_at": utc(expires)}
        with self._errors("remember_request"):
            try:
                ref.create(note, **self._write)
                return True
            except gexc.AlreadyExists:
                snap = ref.get(**self._read)
            if snap.exists and utc(snap.to_dict()["expires_at"]) > utc(at):
                return False
            try:
                if snap.exists:
                    when = self._client.write_option(last_update_time=snap.update_time)
                    ref.update(note, option=when, **self._write)
                else:  # expired and dropped (TTL) in between
                    ref.create(note, **self._write)
            except LOST_RACE:
                return False
        return True

    # Scheduled slots ---------------------------------------------------------
    def get_slot_claim(self, job: str) -> SlotClaim | None:
        """The latest slot claimed for a scheduled job, if any."""
        with self._errors("get_slot_claim"):
            snap = self._doc("slot_claims", job).get(**self._read)
        return slot_claim_from_doc(snap.to_dict()) if snap.exists else None

    def swap_slot_claim(self, expected: SlotClaim | None, new: SlotClaim) -> bool:
        """``create()`` when nothing is expected, else read, compare and update under the
        document's update-time precondition: whoever wrote in between makes us lose."""
        ref = self._doc("slot_claims", new.job)
        doc = slot_claim_doc(new)
        with self._errors("swap_slot_claim"):
            try:
                if expected is None:
                    ref.create(doc, **self._write)
                    return True
                snap = ref.get(**self._read)
                if not snap.exists or slot_claim_from_doc(snap.to_dict()) != expected:
                    return False
                when = self._client.write_option(last_update_time=snap.update_time)
                ref.update(doc, option=when, **self._write)
            except LOST_RACE:
                return False
        return True
