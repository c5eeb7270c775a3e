"""Firestore documents ``day_summaries/{team}__{date}``: a standup date's `DaySummary`.

Fields ``team``, ``date``, ``stale``, ``format``, the summary's counts, ``first_posts`` and
``other_first_posts`` (bytes: little-endian int64 microseconds; a list of integers also
reads); date_records.py keeps the index of the date's records in the same document.
Every write to one of the date's updates, and to a member's time off over it, sets
``stale`` (before and after its own write; the document's other fields are kept), and a
summary is saved with a
precondition on the update time it was read at: a summary computed from records read
before a late edit never lands after it. The version handed out is that update time
(RFC 3339), or None: no document.
"""

from __future__ import annotations

import functools
import logging
import struct
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.datetime_helpers import DatetimeWithNanoseconds

from marvin.domain.day_summary import (
    FIELDS,
    INSTANTS,
    DaySummary,
    StoredSummary,
    dates_between,
    summary_from_dict,
    summary_to_dict,
)
from marvin.store.firestore.calls import FirestoreCall
from marvin.store.firestore.client import LOST_RACE, FirestoreClient

COLLECTION = "day_summaries"
MAX_BATCH = 500  # writes per commit (Firestore's limit for a batched write)
log = logging.getLogger(__name__)


class DaySummaryDocuments(FirestoreClient):
    """The `Store` methods for day summaries, and the marks update and time-off writes
    leave."""

    def list_day_summaries(self, team: str, since: str, until: str) -> list[StoredSummary]:
        """One query on the (team, date) composite index, sorted by date: the summary's
        fields only (not the index of the date's records, date_records.py)."""
        with self._errors("list_day_summaries"):
            query = (self._collection(COLLECTION).where("team", "==", team)
                     .where("date", ">=", since).where("date", "<=", until)
                     .select(["date", "stale", *FIELDS]))
            snaps = self._stream(query, self._read)
        found = []
        for snap in snaps:
            d = snap.to_dict()
            for field in INSTANTS:
                if isinstance(d.get(field), bytes):
                    d[field] = _unpacked(d[field])
            summary = None if d.get("stale") else summary_from_dict(team, d["date"], d)
            found.append(StoredSummary(d["date"], summary, snap.update_time.rfc3339()))
        return sorted(found, key=lambda s: s.date)

    def save_day_summary(self, summary: DaySummary, version: str | None) -> bool:
        """Store `summary` if its document is still at `version` (None: no document);
        False when an update write came in between (nothing written)."""
        ref = self._doc(COLLECTION, summary.team, summary.date)
        data = {"team": summary.team, "date": summary.date, "stale": False,
                **summary_to_dict(summary)}
        for field in INSTANTS:
            data[field] = _packed(getattr(summary, field))
        with self._errors("save_day_summary"):
            try:
                if version is None:
                    ref.create(data, **self._write)
                else:
                    # the library's parser keeps nanoseconds; it has no annotations
                    when = DatetimeWithNanoseconds.from_rfc3339(version)  # type: ignore[no-untyped-call]
                    ref.update(data, option=self._client.write_option(last_update_time=when),
                               **self._write)
            except LOST_RACE:
                return False
        return True

    def _mark_stale(self, team: str, date: str, **fields: Any) -> None:
        """The date's summary no longer holds (an update of it is being written); the
        document's other `fields` (date_records.py's index of the date's records) are
        written in the same call, and those not given are kept."""
        self._doc(COLLECTION, team, date).set({**_stale(team, date), **fields}, merge=True,
                                              **self._write)

    def _mark_stale_after(self, team: str, date: str) -> None:
        """Again once the update is written: a summary saved from updates read between the
        first mark and the write is undone. The update is written whatever happens here,
        so a failure is not the caller's (the first mark already left the summary stale,
        short of that one race)."""
        try:
            self._mark_stale(team, date)
        except gexc.GoogleAPIError:
            log.warning("could not mark the summary of %s %s stale after an update write",
                        team, date)

    def _team_of(self, user_id: str) -> str | None:
        snap = self._doc("members", user_id).get(**self._read)
        return str(snap.to_dict()["team"]) if snap.exists else None

    def _mark_time_off_stale(self, team: str | None, first: str, last: str) -> None:
        """`team`'s summaries of every date from `first` to `last` no longer hold (a
        member's time off over them is being written): marked in batched commits,
        whether a summary exists yet or not, so one being computed cannot land after."""
        if team is None:  # not a member of any team: no summary counts them
            return
        refs = [(self._ref(COLLECTION, team, d), d) for d in dates_between(first, last)]
        for i in range(0, len(refs), MAX_BATCH):
            batch = self._client.batch()
            for ref, date in refs[i:i + MAX_BATCH]:
                batch.set(ref, _stale(team, date), merge=True)  # the index is kept
            count = len(refs[i:i + MAX_BATCH])
            self._rpc(FirestoreCall("commit", COLLECTION, writes=count),
                      functools.partial(batch.commit, **self._write))

    def _mark_time_off_stale_after(self, team: str | None, first: str, last: str) -> None:
        """Again once the time off is written, as `_mark_stale_after` does for updates."""
        try:
            self._mark_time_off_stale(team, first, last)
        except gexc.GoogleAPIError:
            log.warning("could not mark the summaries of %s %s to %s stale after a time-off "
                        "write", team, first, last)


def _packed(micros: tuple[int, ...]) -> bytes:
    """First posts as little-endian int64s: a list of 200 integers per date costs the
    client a decode each, and a page over two years reads 100,000 of them."""
    return struct.pack(f"<{len(micros)}q", *micros)


def _unpacked(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 8}q", data))


def _stale(team: str, date: str) -> dict[str, Any]:
    return {"team": team, "date": date, "stale": True}
