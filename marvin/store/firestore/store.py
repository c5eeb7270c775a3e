"""The Firestore backend: the only module in Marvin that imports ``google.cloud``.

Layout: ``teams/{name}``, ``members/{user_id}``, ``updates/{team}__{date}__{user_id}``
(fields team, date, user_id, entries, updated_at, write_id) and
``deliveries/{kind}__{team}__{date}__{target}``, ``seen_requests/{key}`` (field expires_at:
give it a TTL policy on a real project) and ``slot_claims/{job}``.
Document ids come from `doc_id`, an injective encoding that is safe for any string.

Read-modify-writes (`append_update`, `clear_update`) are optimistic compare-and-set loops on
the document's ``update_time`` precondition, not ``@firestore.transactional``: the library's
BeginTransaction/Commit/Rollback calls take no retry or timeout arguments and retry for 60 s
against a dead server, while every call below is bounded by ``timeout`` (default 10 s) so an
outage fails fast as `StoreError` (sooner under a caller's `deadline`). ``ArrayUnion`` would be
wrong: it drops identical entries. A write whose answer is lost is recognised on reading
again by its random ``write_id``, so an entry is never appended twice.
``FIRESTORE_EMULATOR_HOST`` is honoured (the client library connects to it when set).
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
from google.api_core.retry import Retry, if_exception_type
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import GoogleAuthError
from google.cloud import firestore

from marvin.domain.models import ChannelRef, Delivery, DeliveryKind, Member, SlotClaim, Team, Update
from marvin.store.base import OutcomeUnknown, StoreError, time_left
from marvin.store.firestore.calls import FirestoreCall, Interceptor, intercepted

DEFAULT_TIMEOUT = 10.0  # seconds, per call including retries: an outage must not hang a flow
CAS_ATTEMPTS = 30  # compare-and-set rounds before giving up under contention

_ESCAPES = {"%": "%25", "/": "%2F", "_": "%5F", ".": "%2E"}
_SEPARATOR = "__"
# Reads are idempotent, so a timed-out one may be retried; a write may have landed, so only
# errors that mean "not applied" are retried (the same split as the library's defaults).
_READ_ERRORS = (
    gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError,
    gexc.ResourceExhausted,
)
_WRITE_ERRORS = (gexc.ServiceUnavailable, gexc.ResourceExhausted)
_LOST_RACE = (gexc.AlreadyExists, gexc.FailedPrecondition, gexc.NotFound)
# A write that failed with one of these may still have been applied: Firestore documents
# DEADLINE_EXCEEDED as "the operation may have completed", and the others say nothing.
_MAYBE_APPLIED = (gexc.DeadlineExceeded, gexc.InternalServerError, gexc.Unknown)


def doc_id(*parts: str) -> str:
    """Encode key parts as one document id; distinct keys never share an id.

    ``%``, ``/``, ``_`` and ``.`` are percent-encoded, so no part contains the ``__``
    separator or a slash, and no id is ``.``, ``..`` or ``__x__``; an empty part becomes
    ``%`` (never produced otherwise). Slack names such as ``#general`` stay readable.
    """
    return _SEPARATOR.join("".join(_ESCAPES.get(c, c) for c in part) or "%" for part in parts)


def build_client(project: str | None = None) -> Any:
    """A Firestore client for `project`, or for the emulator when FIRESTORE_EMULATOR_HOST is set.

    The emulator checks no credentials, so it gets anonymous ones rather than making
    ``google.auth.default()`` probe the GCE metadata server.
    """
    try:
        if os.environ.get("FIRESTORE_EMULATOR_HOST"):
            anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
            return firestore.Client(project=project, credentials=anonymous)
        return firestore.Client(project=project)
    except (GoogleAuthError, OSError) as exc:  # OSError: no project could be determined
        raise StoreError(
            f"cannot set up Firestore ({exc}): set GOOGLE_CLOUD_PROJECT and credentials "
            "(GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`), "
            "or FIRESTORE_EMULATOR_HOST"
        ) from exc


class FirestoreClient:
    """What both Firestore-backed classes share: the client (built or borrowed), where it
    points (for error messages), the interceptor if any, and turning Google API failures
    into `StoreError`."""

    def __init__(
        self, project: str | None = None, client: object | None = None,
        intercept: Interceptor | None = None,
    ) -> None:
        """Use `client` if given (the caller keeps owning it), else build one for `project`.
        `intercept` sees every call to Firestore (see `Interceptor`)."""
        self.intercept = intercept
        self._owns_client = client is None
        self._client: Any = build_client(project) if client is None else client
        self._where = f"project {getattr(self._client, 'project', project)!r}"
        if host := getattr(self._client, "_emulator_host", None):
            self._where += f" on emulator {host}"

    @property
    def client(self) -> Any:
        """The underlying ``google.cloud.firestore.Client`` (for health checks and tests)."""
        return self._client

    def _rpc(self, call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        return proceed() if self.intercept is None else self.intercept(call, proceed)

    def _document(self, ref: Any) -> Any:
        """`ref`, its calls going through the interceptor when there is one."""
        return ref if self.intercept is None else intercepted(ref, self.intercept)

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """Turn any Google API failure (incl. exhausted retries) into a `StoreError`."""
        try:
            yield
        except gexc.GoogleAPIError as exc:
            raise StoreError(f"Firestore {op} failed ({self._where}): {exc}") from exc


class FirestoreStore(FirestoreClient):
    """`Store` on Cloud Firestore (or its emulator); safe to share between threads."""

    def __init__(
        self, project: str | None = None, client: object | None = None, *,
        timeout: float = DEFAULT_TIMEOUT, intercept: Interceptor | None = None,
    ) -> None:
        super().__init__(project, client, intercept)
        self._timeout = timeout
        self._default_read = _call_options(_READ_ERRORS, timeout)
        self._default_write = _call_options(_WRITE_ERRORS, timeout)

    @property
    def _read(self) -> dict[str, Any]:
        """Call options for a read: the store's timeout, or less under a `deadline`."""
        return self._options(_READ_ERRORS, self._default_read)

    @property
    def _write(self) -> dict[str, Any]:
        """Call options for a write: the store's timeout, or less under a `deadline`."""
        return self._options(_WRITE_ERRORS, self._default_write)

    def _options(
        self, retryable: tuple[type[Exception], ...], default: dict[str, Any]
    ) -> dict[str, Any]:
        left = time_left("Firestore call")
        return default if left is None or left >= self._timeout else _call_options(retryable, left)

    def _doc(self, collection: str, *key: str) -> Any:
        return self._document(self._client.collection(collection).document(doc_id(*key)))

    def _query(self, collection: str, **equals: str) -> list[dict[str, Any]]:
        """ONE query with equality filters: no composite index needed, sorting is the caller's."""
        query = self._client.collection(collection)
        for field, value in equals.items():
            query = query.where(filter=firestore.FieldFilter(field, "==", value))
        options = self._read
        return list(self._rpc(FirestoreCall("query", collection),
                              lambda: [snap.to_dict() for snap in query.stream(**options)]))

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
            self._doc("teams", team.name).set(_team_doc(team), **self._write)

    def get_team(self, name: str) -> Team | None:
        """The team called `name`, if any."""
        with self._errors("get_team"):
            snap = self._doc("teams", name).get(**self._read)
        return _team(snap.to_dict()) if snap.exists else None

    def list_teams(self) -> list[Team]:
        """All teams, sorted by name."""
        with self._errors("list_teams"):
            docs = self._query("teams")
        return sorted((_team(d) for d in docs), key=lambda t: t.name)

    def delete_team(self, name: str) -> bool:
        """Remove a team (its members stay, orphaned); True when it existed."""
        with self._errors("delete_team"):
            return self._delete_existing(self._doc("teams", name))

    # Members ---------------------------------------------------------------
    def save_member(self, member: Member) -> None:
        """Create or replace a member by user id."""
        data = {"user_id": member.user_id, "team": member.team, "name": member.name,
                "joined_on": member.joined_on, "left_on": member.left_on}
        with self._errors("save_member"):
            self._doc("members", member.user_id).set(data, **self._write)

    def get_member(self, user_id: str) -> Member | None:
        """The current member with this Slack user id, if any."""
        with self._errors("get_member"):
            snap = self._doc("members", user_id).get(**self._read)
        member = _member(snap.to_dict()) if snap.exists else None
        return member if member is not None and member.is_current else None

    def remove_member(self, user_id: str, left_on: str | None = None) -> bool:
        """True when a current member existed; with `left_on`, kept as a former member.

        Compare-and-set on the version read, like `clear_update`, so a member who left
        is never deleted or re-dated by a second, concurrent removal."""
        ref = self._doc("members", user_id)
        with self._errors("remove_member"):
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                if not snap.exists or not _member(snap.to_dict()).is_current:
                    return False
                when = self._client.write_option(last_update_time=snap.update_time)
                try:
                    if left_on is None:
                        ref.delete(option=when, **self._write)
                    else:
                        ref.update({"left_on": left_on}, option=when, **self._write)
                except _LOST_RACE:
                    _backoff(attempt)
                    continue
                return True
        raise self._gave_up("remove_member", False)

    def list_members(self, team: str, *, include_former: bool = False) -> list[Member]:
        """Current members of one team (and former ones if asked), sorted by user id."""
        with self._errors("list_members"):
            docs = self._query("members", team=team)
        members = (_member(d) for d in docs)
        return sorted(
            (m for m in members if include_former or m.is_current), key=lambda m: m.user_id
        )

    # Updates ---------------------------------------------------------------
    def append_update(
        self, team: str, date: str, user_id: str, text: str, at: dt.datetime
    ) -> Update:
        """Append one entry with a compare-and-set loop; returns the whole update.

        Each call tags its write with a random ``write_id``. When a write's answer is lost
        (it may have been applied), the loop reads again: finding its own ``write_id``
        means it was, so the entry is never appended twice; otherwise the precondition
        makes writing again safe. If it cannot read again, it says `OutcomeUnknown`.
        """
        at = _utc(at)
        ref = self._doc("updates", team, date, user_id)
        write_id = os.urandom(12).hex()
        maybe_applied = False
        with self._unknown_if(lambda: maybe_applied), self._errors("append_update"):
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                current = snap.to_dict() if snap.exists else None
                if current is not None and current.get("write_id") == write_id:
                    return _update(current)  # ours landed, though its answer was lost
                entries = [*current["entries"], text] if current is not None else [text]
                fields = {"entries": entries, "updated_at": at, "write_id": write_id}
                try:
                    if current is not None:
                        when = self._client.write_option(last_update_time=snap.update_time)
                        ref.update(fields, option=when, **self._write)
                    else:
                        ref.create({"team": team, "date": date, "user_id": user_id, **fields},
                                   **self._write)
                except _LOST_RACE:
                    _backoff(attempt)  # someone wrote in between: read again
                    continue
                except _MAYBE_APPLIED:
                    maybe_applied = True  # read again to learn whether it landed
                    continue
                return Update(team, date, user_id, tuple(entries), at)
        raise self._gave_up("append_update", maybe_applied)

    def get_update(self, team: str, date: str, user_id: str) -> Update | None:
        """One member's update for a date, if any."""
        with self._errors("get_update"):
            snap = self._doc("updates", team, date, user_id).get(**self._read)
        return _update(snap.to_dict()) if snap.exists else None

    def list_updates(self, team: str, date: str) -> list[Update]:
        """All updates of a team for a date in ONE query, sorted by user id."""
        with self._errors("list_updates"):
            docs = self._query("updates", team=team, date=date)
        return sorted((_update(d) for d in docs), key=lambda u: u.user_id)

    def clear_update(self, team: str, date: str, user_id: str) -> Update | None:
        """Delete exactly the version read (compare-and-set), and return it.

        When a delete's answer is lost and the update is gone on reading again, the
        delete landed: what it deleted is returned, not "nothing to clear"."""
        ref = self._doc("updates", team, date, user_id)
        tried: Update | None = None
        with self._unknown_if(lambda: tried is not None), self._errors("clear_update"):
            for attempt in range(CAS_ATTEMPTS):
                snap = ref.get(**self._read)
                if not snap.exists:
                    return tried
                try:
                    when = self._client.write_option(last_update_time=snap.update_time)
                    ref.delete(option=when, **self._write)
                except _LOST_RACE:
                    _backoff(attempt)
                    continue
                except _MAYBE_APPLIED:
                    tried = _update(snap.to_dict())
                    continue
                return _update(snap.to_dict())
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

    # Deliveries --------------------------------------------------------------
    def claim_delivery(
        self,
        kind: DeliveryKind,
        team: str,
        date: str,
        target: str,
        at: dt.datetime,
        owner: str = "",
    ) -> bool:
        """``create()`` succeeds for exactly one caller; AlreadyExists means someone else won."""
        kind = DeliveryKind(kind)
        doc = {"kind": kind.value, "team": team, "date": date, "target": target,
               "claimed_at": _utc(at), "sent": False, "detail": owner}
        with self._errors("claim_delivery"):
            try:
                self._doc("deliveries", kind.value, team, date, target).create(doc, **self._write)
            except gexc.AlreadyExists:
                return False
        return True

    def reclaim_delivery(
        self,
        kind: DeliveryKind,
        team: str,
        date: str,
        target: str,
        at: dt.datetime,
        older_than: dt.datetime,
        *,
        if_owner: str | None = None,
        new_owner: str = "",
    ) -> Delivery | None:
        """Re-stamp with a precondition on the document's update time: if anyone changed
        it since we read it (another reclaimer, a late completion), we lose and say None."""
        ref = self._doc("deliveries", DeliveryKind(kind).value, team, date, target)
        with self._errors("reclaim_delivery"):
            snapshot = ref.get(**self._read)
            if not snapshot.exists:
                return None
            previous = _delivery(snapshot.to_dict())
            dead_owner = if_owner is not None and previous.detail == if_owner
            if previous.sent or (previous.claimed_at >= older_than and not dead_owner):
                return None
            option = self._client.write_option(last_update_time=snapshot.update_time)
            try:
                ref.update(
                    {"claimed_at": _utc(at), "detail": new_owner}, option=option, **self._write
                )
            except (gexc.FailedPrecondition, gexc.Aborted, gexc.NotFound):
                return None
        return previous

    def complete_delivery(
        self, kind: DeliveryKind, team: str, date: str, target: str, detail: str = ""
    ) -> None:
        """Mark a claimed delivery as sent; an unclaimed one is recorded as sent (claimed now).

        Recording rather than refusing keeps "at most once" when a claim was lost: the
        message has gone out, so no re-run may send it again.
        """
        kind = DeliveryKind(kind)
        ref = self._doc("deliveries", kind.value, team, date, target)
        with self._errors("complete_delivery"):
            try:
                ref.update({"sent": True, "detail": detail}, **self._write)
            except gexc.NotFound:
                doc = {"kind": kind.value, "team": team, "date": date, "target": target,
                       "claimed_at": dt.datetime.now(dt.UTC), "sent": True, "detail": detail}
                ref.set(doc, **self._write)

    def release_delivery(self, kind: DeliveryKind, team: str, date: str, target: str) -> None:
        """Give a claim back (delete it) so a retry or re-run may claim it again."""
        with self._errors("release_delivery"):
            self._doc("deliveries", DeliveryKind(kind).value, team, date, target).delete(
                **self._write
            )

    def list_deliveries(self, team: str, date: str) -> list[Delivery]:
        """Deliveries of a team for a date, sorted by (kind, target)."""
        with self._errors("list_deliveries"):
            docs = self._query("deliveries", team=team, date=date)
        return sorted((_delivery(d) for d in docs), key=lambda d: (d.kind.value, d.target))

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

    # Seen requests (replay guard) --------------------------------------------
    def remember_request(self, key: str, at: dt.datetime, expires: dt.datetime) -> bool:
        """``create()`` wins once; an expired note is replaced under an update-time
        precondition, so of two replays after expiry only one is let through."""
        ref, note = self._doc("seen_requests", key), {"expires_at": _utc(expires)}
        with self._errors("remember_request"):
            try:
                ref.create(note, **self._write)
                return True
            except gexc.AlreadyExists:
                snap = ref.get(**self._read)
            if snap.exists and _utc(snap.to_dict()["expires_at"]) > _utc(at):
                return False
            try:
                if snap.exists:
                    when = self._client.write_option(last_update_time=snap.update_time)
                    ref.update(note, option=when, **self._write)
                else:  # expired and dropped (TTL) in between
                    ref.create(note, **self._write)
            except _LOST_RACE:
                return False
        return True

    # Scheduled slots ---------------------------------------------------------
    def get_slot_claim(self, job: str) -> SlotClaim | None:
        """The latest slot claimed for a scheduled job, if any."""
        with self._errors("get_slot_claim"):
            snap = self._doc("slot_claims", job).get(**self._read)
        return _slot_claim(snap.to_dict()) if snap.exists else None

    def swap_slot_claim(self, expected: SlotClaim | None, new: SlotClaim) -> bool:
        """``create()`` when nothing is expected, else read, compare and update under the
        document's update-time precondition: whoever wrote in between makes us lose."""
        ref = self._doc("slot_claims", new.job)
        doc = {"job": new.job, "slot": _utc(new.slot), "owner": new.owner,
               "claimed_at": _utc(new.claimed_at), "done": new.done}
        with self._errors("swap_slot_claim"):
            try:
                if expected is None:
                    ref.create(doc, **self._write)
                    return True
                snap = ref.get(**self._read)
                if not snap.exists or _slot_claim(snap.to_dict()) != expected:
                    return False
                when = self._client.write_option(last_update_time=snap.update_time)
                ref.update(doc, option=when, **self._write)
            except _LOST_RACE:
                return False
        return True

    def close(self) -> None:
        """Close the gRPC channel if this store built the client."""
        if self._owns_client:
            self._client.close()


def _call_options(retryable: tuple[type[Exception], ...], timeout: float) -> dict[str, Any]:
    """``retry``/``timeout`` keywords for a call: the whole call, retries included, ends in time."""
    retry = Retry(predicate=if_exception_type(*retryable), initial=0.1, maximum=1.0,
                  multiplier=2.0, timeout=timeout)
    return {"retry": retry, "timeout": timeout}


def _backoff(attempt: int) -> None:
    """Jittered pause after a lost race, so contenders stop colliding in lockstep."""
    time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))


def _utc(value: dt.datetime) -> dt.datetime:
    """A plain, UTC ``datetime`` (not the library's subclass); naive input is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be time-zone aware, got {value!r}")
    v = value.astimezone(dt.UTC)
    return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond,
                       tzinfo=dt.UTC)


def _team_doc(team: Team) -> dict[str, Any]:
    return {"name": team.name, "timezone": team.timezone, "standup_time": team.standup_time,
            "reminder_time": team.reminder_time, "days": list(team.days), "channel": team.channel}


def _team(d: dict[str, Any]) -> Team:
    return Team(name=d["name"], timezone=d["timezone"], standup_time=d["standup_time"],
                reminder_time=d["reminder_time"], days=tuple(d["days"]), channel=d["channel"])


def _member(d: dict[str, Any]) -> Member:
    # Documents written before members had dates lack both fields: always, still.
    return Member(user_id=d["user_id"], team=d["team"], name=d["name"],
                  joined_on=d.get("joined_on"), left_on=d.get("left_on"))


def _update(d: dict[str, Any]) -> Update:
    updated_at = d.get("updated_at")
    return Update(team=d["team"], date=d["date"], user_id=d["user_id"],
                  entries=tuple(d["entries"]), updated_at=_utc(updated_at) if updated_at else None)


def _delivery(d: dict[str, Any]) -> Delivery:
    return Delivery(kind=DeliveryKind(d["kind"]), team=d["team"], date=d["date"],
                    target=d["target"], claimed_at=_utc(d["claimed_at"]), sent=d["sent"],
                    detail=d["detail"])


def _slot_claim(d: dict[str, Any]) -> SlotClaim:
    return SlotClaim(job=d["job"], slot=_utc(d["slot"]), owner=d["owner"],
                     claimed_at=_utc(d["claimed_at"]), done=d["done"])
