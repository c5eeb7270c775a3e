"""`FirestoreStore`: teams, members, updates and channels as documents, with claims.py's records.

Layout: ``teams/{name}`` (with ``questions``, an array of maps; missing: the defaults;
``reminder_zone`` and ``nudge_before``, missing: "team" and 0; ``lead`` and
``blockers_channel``, missing: ""; ``holidays`` and ``custom_holidays``, missing: none),
``member_prefs/{user_id}`` (member_prefs.py),
``members/{user_id}`` (``inactive_since``, ``inactive_reason``; missing: active),
``absences/{user_id}__{start}`` (fields user_id, start, end, reason: time off),
``updates/{team}__{date}__{user_id}`` (fields team, date, user_id,
entries, answers (array of maps), skipped, updated_at, write_id; missing: none, false) and
``deliveries/{kind}__{team}__{date}__{target}``, ``seen_requests/{key}`` (field expires_at:
give it a TTL policy on a real project), ``slot_claims/{job}`` and ``results/{location}``
(fields location, data as bytes, written_at: task results kept for caching and targets);
``day_summaries/{team}__{date}`` (day_summaries.py, with the date's index of records:
date_records.py) and ``meta/date_records`` (from which date on every record was indexed).
Document ids come from `doc_id` (client.py, which owns the connection and its errors);
the documents' fields are documents.py's.

Read-modify-writes (`append_update`, `save_answers`, `set_skipped`, `clear_update`) are
optimistic compare-and-set loops on the document's ``update_time`` precondition, not
``@firestore.transactional``: the library's BeginTransaction/Commit/Rollback calls take no
retry or timeout arguments and retry for 60 s against a dead server, while every call below
is bounded by ``timeout`` (default 10 s) so an outage fails fast as `StoreError` (sooner
under a caller's `deadline`). ``ArrayUnion`` would be wrong: it drops identical entries. A
write whose answer is lost is recognised on reading again by its random ``write_id``, so
an entry is never appended twice.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from google.api_core import exceptions as gexc

from marvin.domain.day_summary import dates_between
from marvin.domain.models import Absence, ChannelRef, Member, Team, Update
from marvin.store.base import OutcomeUnknown, StoreError, check_result, check_update_size
from marvin.store.firestore.claims import ClaimDocuments
from marvin.store.firestore.client import GET_ALL_BATCH, LOST_RACE, utc
from marvin.store.firestore.documents import (
    absence_doc,
    absence_from_doc,
    member_doc,
    member_from_doc,
    team_doc,
    team_from_doc,
    update_fields,
    update_from_doc,
)
from marvin.store.firestore.indexes import ASC, DESC
from marvin.store.firestore.member_prefs import MemberPrefsDocuments
from marvin.store.update_writes import Change, UpdateWrites, stamped

CAS_ATTEMPTS = 30  # compare-and-set rounds before giving up under contention
# Calendar dates read by id in the first batch of a member's history: the month ahead
# `/standup history` looks at (mostly empty) and two months back, enough for thirty
# updates of a weekday standup in one round trip.
FIRST_DATES = 100
UPDATE_PAGE = 500  # documents per query when a team's updates are read page by page

# A write that failed with one of these may still have been applied: Firestore documents
# DEADLINE_EXCEEDED as "the operation may have completed", and the others say nothing.
_MAYBE_APPLIED = (gexc.DeadlineExceeded, gexc.InternalServerError, gexc.Unknown)


class FirestoreStore(UpdateWrites, MemberPrefsDocuments, ClaimDocuments):
    """`Store` on Cloud Firestore (or its emulator); safe to share between threads."""

    def _delete_existing(self, ref: Any) -> bool:
        try:
            ref.delete(option=self._client.write_option(exists=True), **self._write)
        except gexc.NotFound:
            return False
        return True

    # Teams -----------------------------------------------------------------
    def save_team(self, team: Team) -> None:
        """Create or replace a team by name."""
        with self._errors("save_team"):
            self._doc("teams", team.name).set(team_doc(team), **self._write)

    def get_team(self, name: str) -> Team | None:
        """The team called `name`, if any."""
        with self._errors("get_team"):
            snap = self._doc("teams", name).get(**self._read)
        return team_from_doc(snap.to_dict()) if snap.exists else None

    def list_teams(self) -> list[Team]:
        """All teams, sorted by name."""
        with self._errors("list_teams"):
            docs = self._query("teams")
        return sorted((team_from_doc(d) for d in docs), key=lambda t: t.name)

    def delete_team(self, name: str) -> bool:
        """Remove a team (its members stay, orphaned); True when it existed."""
        with self._errors("delete_team"):
            return self._delete_existing(self._doc("teams", name))

    # Members ---------------------------------------------------------------
    def save_member(self, member: Member) -> None:
        """Create or replace a member by user id."""
        data = member_doc(member)
        with self._errors("save_member"):
            self._doc("members", member.user_id).set(data, **self._write)

    def get_member(self, user_id: str) -> Member | None:
        """The current member with this Slack user id, if any."""
        with self._errors("get_member"):
            snap = self._doc("members", user_id).get(**self._read)
        member = member_from_doc(snap.to_dict()) if snap.exists else None
        return member if member is not None and member.is_current else None

    def remove_member(self, user_id: str, left_on: str | None = None) -> bool:
        """True when a current member existed; with `left_on`, kept as a former member.

        Compare-and-set on the version read, like `clear_update`, so a member who left
        is never deleted or re-dated by a second, concurrent removal."""
        ref = self._doc("members", user_id)
        with self._errors("remove_member"):
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                if not snap.exists or not member_from_doc(snap.to_dict()).is_current:
                    return False
                when = self._client.write_option(last_update_time=snap.update_time)
                try:
                    if left_on is None:
                        ref.delete(option=when, **self._write)
                    else:
                        ref.update({"left_on": left_on}, option=when, **self._write)
                except LOST_RACE:
                    _backoff(attempt)
                    continue
                return True
        raise self._gave_up("remove_member", False)

    def list_members(self, team: str, *, include_former: bool = False) -> list[Member]:
        """Current members of one team (and former ones if asked), sorted by user id."""
        with self._errors("list_members"):
            docs = self._query("members", team=team)
        members = (member_from_doc(d) for d in docs)
        return sorted(
            (m for m in members if include_former or m.is_current), key=lambda m: m.user_id
        )

    # Time off --------------------------------------------------------------
    def save_absence(self, absence: Absence) -> None:
        """Create or replace a member's time off by (user id, start); the member's team's
        summaries of the dates it covers, or covered, are left stale."""
        ref = self._doc("absences", absence.user_id, absence.start)
        with self._errors("save_absence"):
            before = ref.get(**self._read)
            last = max(absence.end, before.to_dict()["end"] if before.exists else "")
            team = self._team_of(absence.user_id)
            self._mark_time_off_stale(team, absence.start, last)
            ref.set(absence_doc(absence), **self._write)
        self._mark_time_off_stale_after(team, absence.start, last)

    def delete_absence(self, user_id: str, start: str) -> bool:
        """Forget the time off starting on `start`; True when it existed (the member's
        team's summaries of the dates it covered are left stale)."""
        ref = self._doc("absences", user_id, start)
        with self._errors("delete_absence"):
            before = ref.get(**self._read)
            if not before.exists:
                return False
            team = self._team_of(user_id)
            self._mark_time_off_stale(team, start, before.to_dict()["end"])
            deleted = self._delete_existing(ref)
        self._mark_time_off_stale_after(team, start, before.to_dict()["end"])
        return deleted

    def list_absences(self, user_id: str) -> list[Absence]:
        """One member's time off, sorted by start."""
        with self._errors("list_absences"):
            docs = self._query("absences", user_id=user_id)
        return sorted((absence_from_doc(d) for d in docs), key=lambda a: a.start)

    def absences_from(self, date: str) -> list[Absence]:
        """Everyone's time off ending on or after `date` (one range query on ``end``,
        served by its single-field index), sorted by (user id, start)."""
        query = self._collection("absences").where("end", ">=", date)
        with self._errors("absences_from"):
            docs = [snap.to_dict() for snap in self._stream(query, self._read)]
        return sorted((absence_from_doc(d) for d in docs), key=lambda a: (a.user_id, a.start))

    # Updates ---------------------------------------------------------------
    def _rewrite(
        self, op: str, team: str, date: str, user_id: str, at: dt.datetime,
        change: Change,
    ) -> Update:
        """Read, change and write one update document with a compare-and-set loop.

        Each call tags its write with a random ``write_id``. When a write's answer is lost
        (it may have been applied), the loop reads again: finding its own ``write_id``
        means it was, so the change is never applied twice; otherwise the precondition
        makes writing again safe. If it cannot read again, it says `OutcomeUnknown`.
        """
        at = utc(at)
        ref = self._doc("updates", team, date, user_id)
        write_id = os.urandom(12).hex()
        maybe_applied = False
        with self._unknown_if(lambda: maybe_applied), self._errors(op):
            # before: a failed mark after still leaves the summary stale, and the update is
            # in the date's index of records before it exists (date_records.py)
            self._mark_update_written(team, date, user_id)
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                current = snap.to_dict() if snap.exists else None
                if current is not None and current.get("write_id") == write_id:
                    self._mark_stale_after(team, date)
                    return update_from_doc(current)  # ours landed, though its answer was lost
                before = update_from_doc(current) if current else Update(team, date, user_id)
                update = stamped(before, change(before), at)
                check_update_size(list(update.entries), update.answers)
                fields = {**update_fields(update), "write_id": write_id}
                try:
                    if current is not None:
                        when = self._client.write_option(last_update_time=snap.update_time)
                        ref.update(fields, option=when, **self._write)
                    else:
                        ref.create({"team": team, "date": date, "user_id": user_id, **fields},
                                   **self._write)
                except LOST_RACE:
                    _backoff(attempt)  # someone wrote in between: read again
                    continue
                except _MAYBE_APPLIED:
                    maybe_applied = True  # read again to learn whether it landed
                    continue
                self._mark_stale_after(team, date)
                return update
        raise self._gave_up(op, maybe_applied)

    def get_update(self, team: str, date: str, user_id: str) -> Update | None:
        """One member's update for a date, if any."""
        with self._errors("get_update"):
            snap = self._doc("updates", team, date, user_id).get(**self._read)
        return update_from_doc(snap.to_dict()) if snap.exists else None

    def list_updates(self, team: str, date: str) -> list[Update]:
        """All updates of a team for a date in ONE query, sorted by user id."""
        with self._errors("list_updates"):
            docs = self._query("updates", team=team, date=date)
        return sorted((update_from_doc(d) for d in docs), key=lambda u: u.user_id)

    def list_updates_between(self, team: str, since: str, until: str) -> list[Update]:
        """One query on the (team, date) composite index, sorted by (date, user id)."""
        with self._errors("list_updates_between"):
            docs = self._date_range("updates", team, since, until)
        return sorted((update_from_doc(d) for d in docs), key=lambda u: (u.date, u.user_id))

    def list_member_updates(self, team: str, user_id: str, *, limit: int,
                            since: str | None = None, until: str | None = None,
                            ) -> list[Update]:
        """A member's latest `limit` updates, newest first. Within bounds: the documents of
        every calendar date from `until` back to `since`, read by id newest first in
        growing batches until `limit` are found (an update can be dated any day a standup
        was scheduled on at the time, so every day is a candidate); on the emulator a
        query scans the whole collection, seconds for years of history. Unbounded: one
        query on the composite index (team, user_id, date descending)."""
        if limit <= 0:
            return []
        if since is not None and until is not None:
            return self._member_updates_by_id(team, user_id, limit, since, until)
        query = (self._collection("updates").where("team", "==", team)
                 .where("user_id", "==", user_id).order_by("date", DESC).limit(limit))
        with self._errors("list_member_updates"):
            snaps = self._stream(query, self._read)
        return [update_from_doc(snap.to_dict()) for snap in snaps]

    def _member_updates_by_id(self, team: str, user_id: str, limit: int, since: str,
                              until: str) -> list[Update]:
        dates = dates_between(since, until)[::-1]
        found: list[Update] = []
        start, size = 0, FIRST_DATES
        while start < len(dates) and len(found) < limit:
            batch = dates[start:start + size]
            with self._errors("list_member_updates"):
                snaps = self._get_all([self._ref("updates", team, d, user_id) for d in batch])
            found += sorted((update_from_doc(s.to_dict()) for s in snaps),
                            key=lambda u: u.date, reverse=True)
            start, size = start + size, GET_ALL_BATCH
        return found[:limit]

    def iter_team_updates(
        self, team: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Update]:
        """Pages of `UPDATE_PAGE` documents on the composite index (team, date, user_id),
        each page a query of its own that resumes after the last document read."""
        query = (self._collection("updates").where("team", "==", team)
                 .where("date", ">=", since or "").where("date", "<=", until or "9999-12-31")
                 .order_by("date", ASC).order_by("user_id", ASC))
        page = query.limit(UPDATE_PAGE)
        while True:
            with self._errors("iter_team_updates"):
                docs = [snap.to_dict() for snap in self._stream(page, self._read)]
            yield from (update_from_doc(d) for d in docs)
            if len(docs) < UPDATE_PAGE:
                return
            last = docs[-1]
            page = query.start_after({"date": last["date"], "user_id": last["user_id"]}
                                     ).limit(UPDATE_PAGE)

    def clear_update(self, team: str, date: str, user_id: str) -> Update | None:
        """Delete exactly the version read (compare-and-set), and return it.

        When a delete's answer is lost and the update is gone on reading again, the
        delete landed: what it deleted is returned, not "nothing to clear"."""
        ref = self._doc("updates", team, date, user_id)
        tried: Update | None = None
        with self._unknown_if(lambda: tried is not None), self._errors("clear_update"):
            self._mark_stale(team, date)
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                if not snap.exists:
                    if tried is not None:
                        self._mark_stale_after(team, date)
                    return tried
                try:
                    when = self._client.write_option(last_update_time=snap.update_time)
                    ref.delete(option=when, **self._write)
                except LOST_RACE:
                    _backoff(attempt)
                    continue
                except _MAYBE_APPLIED:
                    tried = update_from_doc(snap.to_dict())
                    continue
                self._mark_stale_after(team, date)
                return update_from_doc(snap.to_dict())
        raise self._gave_up("clear_update", tried is not None)

    @contextmanager
    def _unknown_if(self, maybe_applied: Callable[[], bool]) -> Iterator[None]:
        """After a write whose answer was lost, any failure means "may have been applied"."""
        try:
            yield
        except StoreError as exc:
            if maybe_applied() and not isinstance(exc, OutcomeUnknown):
                raise OutcomeUnknown(f"{exc}; an earlier write's answer was lost, so it may "
                                     "or may not have been applied") from exc
            raise

    def _gave_up(self, op: str, maybe_applied: bool) -> StoreError:
        if maybe_applied:
            return OutcomeUnknown(f"Firestore {op} could not tell whether its write was "
                                  f"applied ({self._where})")
        return StoreError(f"Firestore {op} lost {CAS_ATTEMPTS} races ({self._where})")

    # Channels ----------------------------------------------------------------
    def save_channel(self, channel: ChannelRef) -> None:
        data = {"name": channel.name, "id": channel.id, "is_private": channel.is_private}
        with self._errors("save_channel"):
            self._doc("channels", channel.name).set(data, **self._write)

    def get_channel(self, name: str) -> ChannelRef | None:
        with self._errors("get_channel"):
            snap = self._doc("channels", name).get(**self._read)
        if not snap.exists:
            return None
        d = snap.to_dict()
        return ChannelRef(str(d["name"]), str(d["id"]), bool(d.get("is_private")))

    def forget_channel(self, name: str) -> None:
        with self._errors("forget_channel"):
            self._doc("channels", name).delete(**self._write)

    # Task results -------------------------------------------------------------
    def save_result(self, location: str, data: bytes) -> None:
        check_result(location, data)
        doc = {"location": location, "data": bytes(data), "written_at": utc(_now())}
        with self._errors("save_result"):
            self._doc("results", location).set(doc, **self._write)

    def load_result(self, location: str) -> bytes | None:
        with self._errors("load_result"):
            snap = self._doc("results", location).get(**self._read)
        if not snap.exists:
            return None
        return bytes(snap.to_dict()["data"])

def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _backoff(attempt: int) -> None:
    """Jittered pause after a lost race, so contenders stop colliding in lockstep."""
    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
