"""A team's standup date read by document id (`list_date_records`): the ids of the date's
updates and deliveries, indexed in the date's ``day_summaries`` document as they are
written.

The index is two array fields of that document: ``update_users`` (the user id of each
update of the date) and ``delivery_keys`` (``{kind}/{target}`` of each delivery). Every
write of an update, and every new delivery, adds its id with ``ArrayUnion`` in the stale
mark it makes BEFORE writing the record itself (day_summaries.py), so an id is indexed
before its record exists: the index may name a record that was never written or was
deleted since (a ``get_all`` simply does not find it), never miss one. A date page is
then one ``get`` and one ``get_all``, whatever the size of the collections (on the
emulator a query scans its whole collection: seconds for years of history).

Records written before Marvin kept the index are not in it. The namespace's mark
``meta/date_records`` says from which date on every record was indexed
(``complete_from``): written once, before the first record is indexed, as the day after
the latest record then stored, and no sooner than `UPGRADE_WINDOW` after today (a
replica still on an older version during a rolling upgrade may write today's records
and the next standup's unindexed); "" when no record was stored, as in a new namespace.
An older date is read with two queries the first time, and its index completed from
them (``records_indexed``); it is read by id from then on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

from google.api_core import exceptions as gexc

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Delivery, DeliveryKind, Update
from marvin.store.firestore.client import array_union
from marvin.store.firestore.day_summaries import COLLECTION, DaySummaryDocuments
from marvin.store.firestore.documents import delivery_from_doc, update_from_doc
from marvin.store.firestore.indexes import DESC

USERS, DELIVERIES, INDEXED = "update_users", "delivery_keys", "records_indexed"
MARK = ("meta", "date_records")  # the namespace's mark: collection, document id
UPGRADE_WINDOW = dt.timedelta(days=7)
log = logging.getLogger(__name__)


class DateRecordDocuments(DaySummaryDocuments):
    """The `Store` method `list_date_records`, and the index every new record joins."""

    _complete_from: str | None = None  # the mark, once read or written (it never changes)

    def _mark_update_written(self, team: str, date: str, user_id: str) -> None:
        """Before an update of `user_id` is written: the summary is stale, the id indexed."""
        self._start_index()
        self._mark_stale(team, date, **{USERS: array_union([user_id])})

    def _mark_delivery_created(self, key: DeliveryKey) -> None:
        """Before a delivery of `key` is created: the summary is stale, the key indexed."""
        self._start_index()
        self._mark_stale(key.team, key.date, **{DELIVERIES: array_union([_key_of(key)])})

    def list_date_records(self, team: str, date: str) -> tuple[list[Update], list[Delivery]]:
        """The date's updates (by user id) and deliveries (by kind, target), as
        `list_updates` and `list_deliveries` answer."""
        ref = self._doc(COLLECTION, team, date)
        with self._errors("list_date_records"):
            snap = ref.get(**self._read)
            data = snap.to_dict() if snap.exists else {}
            if data.get(INDEXED) is True or self._indexed_since_written(date):
                updates, deliveries = self._by_id(team, date, data.get(USERS, []),
                                                  data.get(DELIVERIES, []))
            else:
                updates = [update_from_doc(d) for d in self._query("updates", team=team,
                                                                    date=date)]
                deliveries = [delivery_from_doc(d) for d in self._query(
                    "deliveries", team=team, date=date)]
                self._complete_index(ref, snap, team, date, updates, deliveries)
        return (sorted(updates, key=lambda u: u.user_id),
                sorted(deliveries, key=lambda d: (d.kind.value, d.target)))

    def _by_id(self, team: str, date: str, users: Sequence[str], keys: Sequence[str],
               ) -> tuple[list[Update], list[Delivery]]:
        refs = [self._ref("updates", team, date, user) for user in users]
        for key in keys:
            kind, _, target = key.partition("/")
            refs.append(self._ref("deliveries", kind, team, date, target))
        updates, deliveries = [], []
        for snap in self._get_all(refs):
            if snap.reference.parent.id == "updates":
                updates.append(update_from_doc(snap.to_dict()))
            else:
                deliveries.append(delivery_from_doc(snap.to_dict()))
        return updates, deliveries

    def _indexed_since_written(self, date: str) -> bool:
        """Whether every record of `date` was indexed as it was written (the mark says so);
        False while there is no mark (nothing indexed yet: the queries decide)."""
        if self._complete_from is None:
            snap = self._doc(*MARK).get(**self._read)
            if snap.exists:
                self._complete_from = str(snap.to_dict()["complete_from"])
        return self._complete_from is not None and date >= self._complete_from

    def _start_index(self) -> None:
        """Write the mark unless there is one: the day after the latest record stored now
        (one query per collection, once per namespace) or a week from today, whichever
        is later; "" when no record is stored."""
        if self._complete_from is not None:
            return
        mark = self._doc(*MARK)
        snap = mark.get(**self._read)
        if not snap.exists:
            latest = max((self._latest_date(c) for c in ("updates", "deliveries")), default="")
            start = ""
            if latest:
                soonest = dt.datetime.now(dt.UTC).date() + UPGRADE_WINDOW
                start = max(dt.date.fromisoformat(latest) + dt.timedelta(days=1),
                            soonest).isoformat()
            try:
                mark.create({"complete_from": start}, **self._write)
            except gexc.AlreadyExists:
                pass  # another process wrote it first: theirs holds
            snap = mark.get(**self._read)
        self._complete_from = str(snap.to_dict()["complete_from"])

    def _latest_date(self, collection: str) -> str:
        query = self._collection(collection).order_by("date", DESC).limit(1).select(["date"])
        found = self._stream(query, self._read)
        return str(found[0].to_dict()["date"]) if found else ""

    def _complete_index(self, ref: Any, snap: Any, team: str, date: str,
                        updates: Sequence[Update], deliveries: Sequence[Delivery]) -> None:
        """Add the records the queries found to the index and call it complete: a record
        written since was indexed by its own write, so the union misses none. A failure
        costs only the next read's speed."""
        ids = {USERS: [u.user_id for u in updates],
               DELIVERIES: [_key_of(d) for d in deliveries]}
        try:
            if snap.exists:
                added = {field: array_union(found) for field, found in ids.items() if found}
                ref.update({**added, INDEXED: True}, **self._write)
            else:  # no summary yet: the document says so (stale) and holds the index
                ref.create({"team": team, "date": date, "stale": True, **ids, INDEXED: True},
                           **self._write)
        except (gexc.AlreadyExists, gexc.NotFound):
            pass  # created or deleted meanwhile: the next read completes it
        except gexc.GoogleAPIError as exc:
            log.warning("could not complete the record index of %s %s: %s", team, date, exc)


def _key_of(record: DeliveryKey | Delivery) -> str:
    return f"{DeliveryKind(record.kind).value}/{record.target}"
