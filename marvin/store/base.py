"""The `Store` protocol: everything Marvin persists, behind one small interface.

Two backends implement it (`sqlite/`, the embedded default; `firestore/`) and one
contract test suite (`tests/store/test_contract.py`) runs on both, so the app never
cares which one it has. Methods are synchronous; each is atomic on its own, and each
honours a `deadline` set by its caller.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, runtime_checkable

from marvin.domain.day_summary import DaySummary, StoredSummary
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import (
    Absence,
    Answer,
    ChannelRef,
    Delivery,
    Member,
    MemberPrefs,
    SlotClaim,
    Team,
    Update,
)
from marvin.engine.context import bind


class StoreError(Exception):
    """The store could not be reached or refused the call; nothing was written."""


MAX_UPDATE_BYTES = 512 * 1024
"""Most UTF-8 bytes one member's update for one date may hold, all entries together: each
append rewrites the whole update, and Firestore refuses a document over 1 MiB, so this
leaves room for the other fields and the index entries. The same rule on every store."""


class UpdateFull(ValueError):
    """An append would take an update past `MAX_UPDATE_BYTES`; nothing was written."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the update would hold {size:,} bytes; the limit is "
                         f"{MAX_UPDATE_BYTES:,}")
        self.size = size


def check_update_size(entries: list[str], answers: tuple[Answer, ...] = ()) -> None:
    """Raise `UpdateFull` when `entries` and `answers` (their text and the question as
    asked) together are over `MAX_UPDATE_BYTES` (UTF-8)."""
    texts = [*entries, *(a.text for a in answers), *(a.question for a in answers)]
    size = sum(len(text.encode("utf-8")) for text in texts)
    if size > MAX_UPDATE_BYTES:
        raise UpdateFull(size)


class OutcomeUnknown(StoreError):
    """A write may or may not have been applied: the store's answer was lost (a timeout
    after the request went out) and it could not be read back to tell."""


_deadline: ContextVar[float | None] = ContextVar("marvin_store_deadline", default=None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Store calls made inside give up with `StoreError` once `seconds` have passed.

    For callers with a deadline of their own: Slack shows its own error if a slash
    command is not answered within 3 s, so `/standup` must learn of an outage in time to
    say "not saved" itself. Nested deadlines keep the earlier one.
    """
    until = time.monotonic() + seconds
    outer = _deadline.get()
    with bind(_deadline, until if outer is None else min(outer, until)):
        yield


@contextmanager
def no_deadline() -> Iterator[None]:
    """Store calls made inside have no deadline, whatever the caller's: for work handed to
    a background thread from a request (the request's 3 s are not the work's)."""
    with bind(_deadline, None):
        yield


def time_left(op: str) -> float | None:
    """Seconds the current `deadline` leaves for a store call (None: no deadline).

    Raises:
        StoreError: the deadline has passed, so `op` is not even tried.
    """
    until = _deadline.get()
    if until is None:
        return None
    left = until - time.monotonic()
    if left <= 0:
        raise StoreError(f"{op} not tried: the caller's deadline has passed")
    return left


MAX_RESULT_BYTES = 1_000_000
"""The largest task result a store keeps: a Firestore document holds at most 1 MiB."""
MAX_RESULT_LOCATION = 1_000
"""The longest result location, in characters (a Firestore id holds at most 1,500 bytes)."""


def check_result(location: str, data: bytes) -> None:
    """Refuse, before writing, a result a store cannot keep whole (ValueError)."""
    if not location or len(location) > MAX_RESULT_LOCATION:
        raise ValueError(
            f"result location must be 1 to {MAX_RESULT_LOCATION} characters, got {len(location)}"
        )
    if len(data) > MAX_RESULT_BYTES:
        raise ValueError(
            f"result at {location!r} is {len(data):,} bytes; the store keeps at most "
            f"{MAX_RESULT_BYTES:,}"
        )


@runtime_checkable
class Store(Protocol):
    """Persistence for teams, members, updates and deliveries."""

    # Teams -----------------------------------------------------------------
    def save_team(self, team: Team) -> None:
        """Create or replace a team by name."""

    def get_team(self, name: str) -> Team | None: ...

    def list_teams(self) -> list[Team]:
        """All teams, sorted by name."""

    def delete_team(self, name: str) -> bool:
        """Remove a team (its members stay, orphaned); True when it existed."""

    # Members ---------------------------------------------------------------
    def save_member(self, member: Member) -> None:
        """Create or replace a member by user id (a user is in one team at a time),
        with their `joined_on` / `left_on` dates."""

    def get_member(self, user_id: str) -> Member | None:
        """The current member with this user id (one who left is None)."""

    def remove_member(self, user_id: str, left_on: str | None = None) -> bool:
        """True when a current member existed. With `left_on` (the first standup date
        they no longer belong to) the member is kept as a former member, for statistics;
        without, forgotten."""

    def list_members(self, team: str, *, include_former: bool = False) -> list[Member]:
        """Current members of one team (and former ones if asked), sorted by user id."""

    # Time off --------------------------------------------------------------
    def save_absence(self, absence: Absence) -> None:
        """Create or replace a member's time off by (user id, start)."""

    def delete_absence(self, user_id: str, start: str) -> bool:
        """Forget the time off starting on `start`; True when it existed."""

    def list_absences(self, user_id: str) -> list[Absence]:
        """One member's time off, past and planned, sorted by start."""

    def absences_from(self, date: str) -> list[Absence]:
        """Everyone's time off ending on or after `date` in ONE query, sorted by
        (user id, start): what a run needs to tell who is away."""
    # Member preferences (a Slack zone cache, the nudge choice) --------------
    def get_member_prefs(self, user_id: str) -> MemberPrefs | None:
        """What is kept about `user_id`, if anything."""

    def list_member_prefs(self, user_ids: Sequence[str]) -> list[MemberPrefs]:
        """What is kept about each of `user_ids` that has anything kept, in their order."""

    def save_member_zone(self, user_id: str, tz: str | None, fetched_at: dt.datetime) -> None:
        """Keep the zone Slack gave for `user_id` (None: its profile has none) and when it
        was fetched, leaving the nudge choice as it is."""

    def set_nudges(self, user_id: str, on: bool) -> None:
        """Whether `user_id` gets nudges, leaving the zone as it is."""

    def save_dm_channel(self, user_id: str, channel_id: str) -> None:
        """Keep the id of the app's DM with `user_id` (``D...``), as Slack answered a DM,
        leaving the zone and the nudge choice as they are."""

    # Updates ---------------------------------------------------------------
    def append_update(
        self, team: str, date: str, user_id: str, text: str, at: dt.datetime
    ) -> Update:
        """Atomically append one entry to a member's update for a date; returns the whole update.

        Applied once even if an answer is lost on the way: raises `OutcomeUnknown` only
        when the store cannot tell whether the entry was appended, and `UpdateFull` (writing
        nothing) when the entries would be over `MAX_UPDATE_BYTES` together."""

    def save_answers(
        self, team: str, date: str, user_id: str, answers: tuple[Answer, ...], at: dt.datetime
    ) -> Update:
        """Atomically replace a member's answers for a date, keeping their free-text
        entries and skip; returns the whole update. `UpdateFull` (writing nothing) as for
        `append_update`; `OutcomeUnknown` when the store cannot tell if it was written."""

    def set_skipped(
        self, team: str, date: str, user_id: str, skipped: bool, at: dt.datetime
    ) -> Update:
        """Atomically mark (or unmark) a member as skipping a date, keeping what they
        wrote; returns the whole update."""

    def get_update(self, team: str, date: str, user_id: str) -> Update | None: ...

    def list_updates(self, team: str, date: str) -> list[Update]:
        """All updates of a team for a date in ONE query, sorted by user id."""

    def list_updates_between(self, team: str, since: str, until: str) -> list[Update]:
        """All updates of a team for the dates `since` to `until` (inclusive) in ONE
        query, sorted by (date, user id): what the standup pages read."""

    def clear_update(self, team: str, date: str, user_id: str) -> Update | None:
        """Delete a member's update for a date; returns what was deleted (None if nothing)."""

    def list_member_updates(self, team: str, user_id: str, *, limit: int,
                            since: str | None = None, until: str | None = None,
                            ) -> list[Update]:
        """A member's latest `limit` updates in a team, newest date first, dated `since` to
        `until` (inclusive; None: no bound), fast enough for `/standup history` to answer
        within Slack's 3 s (an index; with both bounds, a store may read candidate dates by
        id instead)."""

    def iter_team_updates(
        self, team: str, since: str | None = None, until: str | None = None
    ) -> Iterator[Update]:
        """A team's updates with `since` <= date <= `until` (None: no bound), sorted by
        (date, user id), read page by page: memory stays flat however many there are."""

    # Deliveries (idempotency) ------------------------------------------------
    def claim_delivery(self, key: DeliveryKey, at: dt.datetime, owner: str = "") -> bool:
        """Atomically claim the right to send; False when anyone already claimed it.

        `owner` (kept in the delivery's `detail` until it is completed) names the claiming
        process, so a claim whose owner is known to be dead can be taken over at once."""

    def reclaim_delivery(
        self, key: DeliveryKey, at: dt.datetime, older_than: dt.datetime,
        *, if_owner: str | None = None, new_owner: str = "",
    ) -> Delivery | None:
        """Atomically take over a claim that was never completed and either was made
        before `older_than` (its claimer presumably died mid-send) or still belongs to
        `if_owner` (a claimer known to be dead): it is re-stamped `at` and `new_owner`,
        and the claim as it was is returned. None when there is no such claim, it was
        completed, it is fresh and not `if_owner`'s, or another caller took it first."""

    def complete_delivery(self, key: DeliveryKey, detail: str = "") -> None:
        """Mark a claimed delivery as sent."""

    def release_delivery(self, key: DeliveryKey) -> None:
        """Give a claim back after a failed send, so a retry or re-run may send it."""

    def get_delivery(self, key: DeliveryKey) -> Delivery | None:
        """The one delivery named by `key` (read by id), or None when never claimed."""

    def list_deliveries(self, team: str, date: str) -> list[Delivery]:
        """Deliveries of a team for a date, sorted by (kind, target)."""

    def list_date_records(self, team: str, date: str) -> tuple[list[Update], list[Delivery]]:
        """A team's updates and deliveries of one date, as `list_updates` and
        `list_deliveries` answer (what a standup date page shows), read the fastest way
        the store has (Firestore: by document id, from the date's index of records)."""

    def list_deliveries_between(self, team: str, since: str, until: str) -> list[Delivery]:
        """Deliveries of a team for the dates `since` to `until` (inclusive) in ONE query,
        sorted by (date, kind, target)."""

    # Day summaries (what the standup pages and the tuner read per date) -----------
    def list_day_summaries(self, team: str, since: str, until: str) -> list[StoredSummary]:
        """The stored records of a team's dates `since` to `until` (inclusive) in ONE
        query, sorted by date; a date without one is left out. Every write to an update
        (append, answers, skip, clear) leaves its date's record stale (summary None)."""

    def save_day_summary(self, summary: DaySummary, version: str | None) -> bool:
        """Compare-and-set: store `summary` only if its date's record is still at
        `version` (from `list_day_summaries`; None: there was none); False when an update
        write came in between, and then nothing is written."""

    # Channels (a cache of Slack's name -> id) ---------------------------------
    def save_channel(self, channel: ChannelRef) -> None:
        """Remember a channel's id by name (replacing what was known)."""

    def get_channel(self, name: str) -> ChannelRef | None:
        """The remembered channel called `name` (no "#"), if any."""

    def forget_channel(self, name: str) -> None:
        """Drop a remembered channel (Slack no longer knows its id); no error if unknown."""

    # Seen requests (replay guard) --------------------------------------------
    def remember_request(self, key: str, at: dt.datetime, expires: dt.datetime) -> bool:
        """Atomically note a signed request as seen until `expires`; False when `key` was
        already noted and has not expired by `at` (a replay). Expired notes may be
        dropped by any call."""

    # Scheduled slots ---------------------------------------------------------
    def get_slot_claim(self, job: str) -> SlotClaim | None:
        """The latest slot claimed for a scheduled job, if any."""

    def swap_slot_claim(self, expected: SlotClaim | None, new: SlotClaim) -> bool:
        """Compare-and-set: store `new` for ``new.job`` only if what is stored for that job
        is exactly `expected` (None: nothing stored yet); True when this caller's write won."""

    # Task results (the engine's caching and targets, via marvin.store.results) -----
    def save_result(self, location: str, data: bytes) -> None:
        """Store `data` (a serialized task result, at most `MAX_RESULT_BYTES`) at
        `location`, replacing what was there."""

    def load_result(self, location: str) -> bytes | None:
        """The data stored at `location`, or None when there is none."""

    def close(self) -> None:
        """Release connections; the store is unusable afterwards."""
