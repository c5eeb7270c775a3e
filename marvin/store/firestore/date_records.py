"""A team's standup date read by document id (`list_date_records`): the ids of its
updates and deliveries kept in the date's ``day_summaries`` document.

The index is two fields of that document: ``update_users`` (the user ids with an update
of the date) and ``delivery_keys`` (``{kind}/{target}`` of each delivery of the date).
It is complete while it is there: every write that creates one of the date's updates or
deliveries overwrites the whole document (the stale mark, `DaySummaryDocuments`) before
and after its own write, which drops the index; and the index is written with a
precondition on the document's update time read before the queries it comes from, so
one built from records read before such a write never lands after it. With the index,
the date is one ``get`` and one ``get_all`` (a deleted record is simply absent); without
it, two queries (on the emulator each scans its whole collection: seconds for years of
history), and the index is kept when the date is closed (it will not change any more,
short of a late write, which drops it again).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from google.api_core import exceptions as gexc

from marvin.domain.models import Delivery, Update
from marvin.store.firestore.client import LOST_RACE
from marvin.store.firestore.day_summaries import COLLECTION, DaySummaryDocuments
from marvin.store.firestore.documents import delivery_from_doc, update_from_doc

USERS, DELIVERIES = "update_users", "delivery_keys"
log = logging.getLogger(__name__)


class DateRecordDocuments(DaySummaryDocuments):
    """The `Store` method `list_date_records`."""

    def list_date_records(self, team: str, date: str, *, closed: bool = False,
                          ) -> tuple[list[Update], list[Delivery]]:
        """The date's updates (by user id) and deliveries (by kind, target), as
        `list_updates` and `list_deliveries` answer; `closed`: keep the index."""
        ref = self._doc(COLLECTION, team, date)
        with self._errors("list_date_records"):
            snap = ref.get(**self._read)
            data = snap.to_dict() if snap.exists else {}
            if isinstance(data.get(USERS), list) and isinstance(data.get(DELIVERIES), list):
                updates, deliveries = self._by_id(team, date, data[USERS], data[DELIVERIES])
            else:
                updates = [update_from_doc(d) for d in self._query("updates", team=team,
                                                                    date=date)]
                deliveries = [delivery_from_doc(d) for d in self._query(
                    "deliveries", team=team, date=date)]
                if closed:
                    self._keep_index(ref, snap, team, date, updates, deliveries)
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

    def _keep_index(self, ref: Any, snap: Any, team: str, date: str,
                    updates: Sequence[Update], deliveries: Sequence[Delivery]) -> None:
        """Write the index unless the document changed since `snap` (a write came in: the
        next read builds it). A failure costs only the next read's speed."""
        index = {USERS: [u.user_id for u in updates],
                 DELIVERIES: [f"{d.kind.value}/{d.target}" for d in deliveries]}
        try:
            if snap.exists:
                when = self._client.write_option(last_update_time=snap.update_time)
                ref.update(index, option=when, **self._write)
            else:  # no summary yet: the document says so (stale) and holds the index
                ref.create({"team": team, "date": date, "stale": True, **index},
                           **self._write)
        except LOST_RACE:
            pass
        except gexc.GoogleAPIError as exc:
            log.warning("could not keep the record index of %s %s: %s", team, date, exc)
