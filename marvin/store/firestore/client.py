"""The Firestore connection both backends share: building the client, bounding each call,
turning Google API failures into `StoreError`, and routing calls through an interceptor.

The only module in Marvin that imports ``google.cloud``: the store and the run history
reach the library through `FirestoreClient` and the functions here.
Document ids come from `doc_id`, an injective encoding that is safe for any string.
``FIRESTORE_EMULATOR_HOST`` is honoured (the client library connects to it when set).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import GoogleAuthError
from google.cloud import firestore

from marvin.store.base import StoreError, time_left
from marvin.store.firestore.calls import FirestoreCall, Interceptor, QueryShape, intercepted
from marvin.store.firestore.indexes import QUERIES, MissingIndex, composite_index

DEFAULT_TIMEOUT = 10.0  # seconds, per call including retries: an outage must not hang a flow

# Reads are idempotent, so a timed-out one may be retried; a write may have landed, so only
# errors that mean "not applied" are retried (the same split as the library's defaults).
# ABORTED is "too much contention", which production answers even outside transactions.
READ_ERRORS: tuple[type[Exception], ...] = (
    gexc.ServiceUnavailable, gexc.DeadlineExceeded, gexc.InternalServerError,
    gexc.ResourceExhausted, gexc.Aborted,
)
WRITE_ERRORS: tuple[type[Exception], ...] = (
    gexc.ServiceUnavailable, gexc.ResourceExhausted, gexc.Aborted,
)
# Errors that mean "not applied": any call that failed with one may be repeated as it was
# (a precondition still guards a compare-and-set). Retried around the interceptor too, so
# the library's retry and Marvin's agree on what a fault test injects.
NOT_APPLIED: tuple[type[Exception], ...] = WRITE_ERRORS
GET_ALL_BATCH = 300  # documents per batched read by id
CALL_ATTEMPTS = 5  # tries of one call before its error is the caller's
# A write refused by its precondition: someone else wrote first.
LOST_RACE: tuple[type[Exception], ...] = (
    gexc.AlreadyExists, gexc.FailedPrecondition, gexc.NotFound,
)

WORKSPACES = "workspaces"  # the collection of namespaces, one document per workspace
_ESCAPES = {"%": "%25", "/": "%2F", "_": "%5F", ".": "%2E"}
_SEPARATOR = "__"


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


def array_union(values: Sequence[str]) -> Any:
    """A field value that adds `values` to a stored array, each at most once, in the same
    write as the rest of the document (no read first, and two writers never lose each
    other's values)."""
    return firestore.ArrayUnion(list(values))


def call_options(retryable: tuple[type[Exception], ...], timeout: float) -> dict[str, Any]:
    """``retry``/``timeout`` keywords for a call: the whole call, retries included, ends in time."""
    retry = Retry(predicate=if_exception_type(*retryable), initial=0.1, maximum=1.0,
                  multiplier=2.0, timeout=timeout)
    return {"retry": retry, "timeout": timeout}


class Query:
    """A Firestore query and its `QueryShape`, built by the same calls so they cannot drift:
    the shape goes with the query through the interceptor (for the index checks)."""

    def __init__(self, ref: Any, path: str, shape: QueryShape) -> None:
        self.ref, self.path, self.shape = ref, path, shape

    @classmethod
    def of(cls, collection: Any) -> Query:
        """All of `collection` (a ``CollectionReference``)."""
        parent = collection.parent  # a document, or None for a top-level collection
        path = collection.id if parent is None else f"{parent.path}/{collection.id}"
        return cls(collection, path, QueryShape(collection.id))

    def where(self, field: str, op: str, value: Any) -> Query:
        """Documents whose `field` compares to `value` by `op` (``==``, ``<``...)."""
        return Query(self.ref.where(filter=firestore.FieldFilter(field, op, value)),
                     self.path, self.shape.where(field, op))

    def order_by(self, field: str, direction: str = "ASCENDING") -> Query:
        return Query(self.ref.order_by(field, direction=direction), self.path,
                     self.shape.order_by(field, direction))

    def limit(self, count: int) -> Query:
        return Query(self.ref.limit(count), self.path, self.shape)

    def start_after(self, values: dict[str, Any]) -> Query:
        """The documents after the one with these ordered-by field values (a cursor: the
        shape, and so the index, stays the same)."""
        return Query(self.ref.start_after(values), self.path, self.shape)

    def select(self, fields: list[str]) -> Query:
        """Only these fields of each document (a projection needs no index)."""
        return Query(self.ref.select(fields), self.path, self.shape)


def utc(value: dt.datetime) -> dt.datetime:
    """A plain, UTC ``datetime`` (not the library's subclass); naive input is refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime must be time-zone aware, got {value!r}")
    v = value.astimezone(dt.UTC)
    return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond,
                       tzinfo=dt.UTC)


def _hint(exc: Exception) -> str:
    """What an operator can do about `exc`, for the errors that have one clear fix."""
    if isinstance(exc, gexc.PermissionDenied):
        return ("; the service account needs the role roles/datastore.user on a Firestore "
                "database in Native mode")
    if isinstance(exc, gexc.FailedPrecondition) and "datastore mode" in str(exc).lower():
        return ("; Marvin needs a Firestore database in Native mode, and this one is in "
                "Datastore mode (which refuses the Firestore API): use another database or "
                "project, created with `gcloud firestore databases create --location=REGION "
                "--type=firestore-native`")
    if isinstance(exc, gexc.FailedPrecondition) and "index" in str(exc).lower():
        return ("; a composite index is missing: deploy firestore.indexes.json "
                "(`firebase deploy --only firestore:indexes`)")
    if isinstance(exc, NOT_APPLIED):
        return "; it was retried and not applied"
    return ""


def _read_all(client: Any, refs: list[Any], options: dict[str, Any]) -> list[Any]:
    """Every snapshot of `refs` (the library streams them; read in full within the call)."""
    return list(client.get_all(refs, **options))


class FirestoreClient:
    """What both Firestore-backed classes share: the client (built or borrowed), where it
    points (for error messages), the interceptor if any, call options that bound each
    call by a timeout (less under a `deadline`), and turning Google API failures into
    `StoreError`."""

    def __init__(
        self, project: str | None = None, client: object | None = None, *,
        timeout: float = DEFAULT_TIMEOUT, intercept: Interceptor | None = None,
        namespace: str | None = None,
    ) -> None:
        """Use `client` if given (the caller keeps owning it), else build one for `project`.
        Each call ends within `timeout` seconds, retries included; `intercept` sees every
        call to Firestore (see `Interceptor`). `namespace` (a workspace's key) puts every
        collection under ``workspaces/{namespace}/``; None keeps them at the top level
        (`marvin.store.namespaces`)."""
        self.intercept = intercept
        self._timeout = timeout
        self._default_read = call_options(READ_ERRORS, timeout)
        self._default_write = call_options(WRITE_ERRORS, timeout)
        self._owns_client = client is None
        built: Any = build_client(project) if client is None else client
        self._client: Any = built
        # Where this namespace's collections hang: the database, or a workspace's document.
        # Composite indexes are per collection id, so a namespace needs none of its own.
        self._root: Any = self._client
        if namespace is not None:
            self._root = built.collection(WORKSPACES).document(doc_id(namespace))
        self._where = f"project {getattr(self._client, 'project', project)!r}"
        if namespace is not None:
            self._where += f", workspace {namespace}"
        if host := getattr(self._client, "_emulator_host", None):
            self._where += f" on emulator {host}"

    @property
    def client(self) -> Any:
        """The underlying ``google.cloud.firestore.Client`` (for health checks and tests)."""
        return self._client

    @property
    def _read(self) -> dict[str, Any]:
        """Call options for a read: the timeout, or less under a `deadline`."""
        return self._options(READ_ERRORS, self._default_read)

    @property
    def _write(self) -> dict[str, Any]:
        """Call options for a write: the timeout, or less under a `deadline`."""
        return self._options(WRITE_ERRORS, self._default_write)

    def _options(
        self, retryable: tuple[type[Exception], ...], default: dict[str, Any]
    ) -> dict[str, Any]:
        left = time_left("Firestore call")
        return default if left is None or left >= self._timeout else call_options(retryable, left)

    @property
    def project(self) -> str:
        """The Google Cloud project this client works in (for commands to run on it)."""
        return str(getattr(self._client, "project", "") or "PROJECT_ID")

    def missing_indexes(self) -> list[MissingIndex]:
        """Run each query that needs a composite index once (limit 1, values that match
        nothing): Firestore refuses one whose index is missing (FAILED_PRECONDITION),
        which the emulator never does. Other failures raise `StoreError`."""
        missing = []
        with self._errors("index check"):
            for shape in QUERIES:
                index = composite_index(shape)
                if index is None:
                    continue
                query = self._collection(shape.collection)
                for field, op in shape.filters:
                    query = query.where(field, op, "")  # any value: only the index matters
                for field, direction in shape.order:
                    query = query.order_by(field, direction)
                try:
                    self._stream(query.limit(1), self._read)
                except gexc.FailedPrecondition as exc:
                    if "index" not in str(exc).lower():  # e.g. a database in Datastore mode
                        raise
                    missing.append(MissingIndex(shape, index, self.project, str(exc)))
        return missing

    def _collection(self, name: str) -> Query:
        """All documents of this namespace's collection `name`, as a `Query`."""
        return Query.of(self._root.collection(name))

    def _query(self, collection: str, **equals: str) -> list[dict[str, Any]]:
        """ONE query with equality filters: no composite index needed, sorting is the caller's."""
        query = self._collection(collection)
        for field, value in equals.items():
            query = query.where(field, "==", value)
        return [snap.to_dict() for snap in self._stream(query, self._read)]

    def _date_range(self, collection: str, team: str, since: str, until: str,
                    ) -> list[dict[str, Any]]:
        """ONE query: a team's documents dated `since` to `until` (ISO dates order as
        strings); needs the (team, date) composite index of ``firestore.indexes.json``."""
        query = (self._collection(collection).where("team", "==", team)
                 .where("date", ">=", since).where("date", "<=", until))
        return [snap.to_dict() for snap in self._stream(query, self._read)]

    def _rpc(self, call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        """Make `call` (through the interceptor, if any), again after a jittered pause when
        it failed with a `NOT_APPLIED` error: at most `CALL_ATTEMPTS` times, and never past
        this client's timeout or the caller's `deadline`."""
        give_up = time.monotonic() + self._timeout
        for attempt in range(1, CALL_ATTEMPTS + 1):
            try:
                return proceed() if self.intercept is None else self.intercept(call, proceed)
            except NOT_APPLIED:
                pause = random.uniform(0, min(1.0, 0.05 * 2**attempt))
                left = time_left(f"Firestore {call.op}")
                ends = give_up if left is None else min(give_up, time.monotonic() + left)
                if attempt == CALL_ATTEMPTS or time.monotonic() + pause >= ends:
                    raise
                time.sleep(pause)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _document(self, ref: Any) -> Any:
        """`ref`, its calls going through `_rpc` (retries, then the interceptor)."""
        return intercepted(ref, self._rpc)

    def _ref(self, collection: str, *key: str) -> Any:
        """The plain reference of `collection`'s document at the id `doc_id` makes of `key`
        (for batches and `_get_all`; single calls go through `_doc`)."""
        return self._root.collection(collection).document(doc_id(*key))

    def _doc(self, collection: str, *key: str) -> Any:
        """The document of `collection` at the id `doc_id` makes of `key`, intercepted."""
        return self._document(self._ref(collection, *key))

    def _get_all(self, refs: Sequence[Any]) -> list[Any]:
        """The snapshots of those of `refs` that exist, read by id in batched calls of
        `GET_ALL_BATCH` (one round trip each, whatever the size of the collections: on the
        emulator any query scans its whole collection), in no particular order."""
        found: list[Any] = []
        for i in range(0, len(refs), GET_ALL_BATCH):
            chunk = list(refs[i:i + GET_ALL_BATCH])
            path = chunk[0].parent.id if len({r.parent.id for r in chunk}) == 1 else "*"
            read: Callable[[], Any] = functools.partial(
                _read_all, self._client, chunk, self._read)
            snaps = self._rpc(FirestoreCall("get_all", path, reads=len(chunk)), read)
            found += [snap for snap in snaps if snap.exists]
        return found

    def _stream(self, query: Query, options: dict[str, Any]) -> list[Any]:
        """The snapshots `query` matches, read in full through the interceptor."""
        return list(self._rpc(FirestoreCall("query", query.path, query=query.shape),
                              lambda: list(query.ref.stream(**options))))

    @contextmanager
    def _errors(self, op: str) -> Iterator[None]:
        """Turn any Google API failure (incl. exhausted retries) into a `StoreError`."""
        try:
            yield
        except gexc.GoogleAPIError as exc:
            raise StoreError(
                f"Firestore {op} failed ({self._where}): {exc}{_hint(exc)}") from exc

    def close(self) -> None:
        """Close the gRPC channel if this object built the client."""
        if self._owns_client:
            self._client.close()
