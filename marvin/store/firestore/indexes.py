"""Which Firestore indexes Marvin's queries need: every query the backend makes, declared
once, and the rules that say which of them need a composite index.

The emulator serves every query without an index; production Firestore refuses one that
needs a composite index it lacks (FAILED_PRECONDITION, "The query requires an index"),
and ignores one it has been told not to index (a ``fieldOverrides`` exemption in
``firestore.indexes.json``). So the queries are declared here (`QUERIES`); the tests
capture every query the backend makes through the intercept seam and check that each is
declared, and that ``firestore.indexes.json`` covers each declared one (`problems`);
`marvin doctor` and `marvin serve` run the composite-index ones once against the real
database (`FirestoreClient.missing_indexes`).

Example::

    >>> needed = composite_index(QueryShape("flow_runs").where("flow", "==")
    ...                          .order_by("started_at", "DESCENDING"))
    >>> needed.fields
    (('flow', 'ASCENDING'), ('started_at', 'DESCENDING'))

Plain Python: no Google import here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from marvin.store.firestore.calls import QueryShape

ASC, DESC = "ASCENDING", "DESCENDING"
_EQUALITY = frozenset({"==", "in", "array-contains", "array-contains-any"})
_KEY = "__name__"  # the document id: always indexed, in both directions

_RUNS = QueryShape("flow_runs")
_NEWEST_RUNS = _RUNS.order_by("started_at", DESC)

QUERIES: dict[QueryShape, str] = {
    QueryShape("slack_installations"): "Installations (every workspace)",
    QueryShape("slack_installations").where("workspace", "=="): "Installations (one workspace)",
    QueryShape("slack_oauth_states").where("expires_at", "<="):
        "Installations.consume_state (expired states purged)",
    QueryShape("teams"): "Store.list_teams",
    QueryShape("members").where("team", "=="): "Store.list_members",
    QueryShape("updates").where("team", "==").where("date", "=="): "Store.list_updates",
    QueryShape("absences").where("user_id", "=="): "Store.list_absences",
    QueryShape("absences").where("end", ">="): "Store.absences_from",
    QueryShape("deliveries").where("team", "==").where("date", "=="): "Store.list_deliveries",
    QueryShape("updates").order_by("date", DESC):
        "the latest update's date, once per namespace (date_records.py's mark)",
    QueryShape("deliveries").order_by("date", DESC):
        "the latest delivery's date, once per namespace (date_records.py's mark)",
    _NEWEST_RUNS: "RunHistory.list_flow_runs()",
    _RUNS.where("flow", "==").order_by("started_at", DESC): "RunHistory.list_flow_runs(flow)",
    _RUNS.where("started_at", ">=").order_by("started_at", DESC):
        "RunHistory.list_flow_runs(since)",
    _RUNS.where("flow", "==").where("started_at", ">=").order_by("started_at", DESC):
        "RunHistory.list_flow_runs(flow, since)",
    _RUNS.where("flow", "==").where("started_at", ">=").where("started_at", "<=")
    .order_by("started_at", DESC): "RunHistory.list_flow_runs(flow, since, until) (a date page)",
    _RUNS.where("state", "=="): "RunHistory.list_unfinished",
    _RUNS.where("started_at", "<"): "RunHistory.delete_runs_before",
    _RUNS.where(_KEY, ">=").where(_KEY, "<"): "RunHistory.get_run (an id prefix)",
    QueryShape("task_runs"): "RunHistory.get_run, delete_runs_before (a run's task runs)",
    QueryShape("events"): "RunHistory.get_run, delete_runs_before (a run's events)",
    QueryShape("updates").where("team", "==").where("date", ">=").where("date", "<="):
        "Store.list_updates_between (the standup pages)",
    QueryShape("deliveries").where("team", "==").where("date", ">=").where("date", "<="):
        "Store.list_deliveries_between (the standup pages)",
    QueryShape("day_summaries").where("team", "==").where("date", ">=").where("date", "<="):
        "Store.list_day_summaries (the team's standup page, the tuner)",
    QueryShape("updates").where("team", "==").where("user_id", "==").order_by("date", DESC):
        "Store.list_member_updates (unbounded; `/standup history` reads its dates by id)",
    QueryShape("updates").where("team", "==").where("date", ">=").where("date", "<=")
    .order_by("date", ASC).order_by("user_id", ASC): "Store.iter_team_updates",
}
"""Every query the Firestore backend makes, with who makes it."""


@dataclass(frozen=True)
class CompositeIndex:
    """A composite index, as ``firestore.indexes.json`` declares one (collection scope)."""

    collection: str
    fields: tuple[tuple[str, str], ...]
    equalities: int = field(default=0, compare=False)
    """For an index a query needs: how many leading fields are its equality filters (any
    order and direction serves those)."""

    def create_command(self, project: str = "PROJECT_ID") -> str:
        """The ``gcloud`` command that creates this index in `project`."""
        configs = " ".join(f"--field-config=field-path={field},order={order.lower()}"
                           for field, order in self.fields)
        return (f"gcloud firestore indexes composite create --project={project} "
                f"--collection-group={self.collection} --query-scope=COLLECTION {configs}")

    def __str__(self) -> str:
        fields = ", ".join(f"{field} {order.lower()}" for field, order in self.fields)
        return f"{self.collection} ({fields})"


@dataclass(frozen=True)
class MissingIndex:
    """A query that Firestore refused for want of its composite index."""

    query: QueryShape
    index: CompositeIndex
    project: str
    error: str

    @property
    def command(self) -> str:
        """What creates the index (it takes a few minutes to build)."""
        return self.index.create_command(self.project)


@runtime_checkable
class IndexProbe(Protocol):
    """A backend that can tell which composite indexes its database lacks."""

    def missing_indexes(self) -> list[MissingIndex]: ...


def missing_indexes(backend: object) -> list[MissingIndex]:
    """The composite indexes `backend`'s database lacks; none for a backend without
    indexes to deploy (SQLite). Raises `StoreError` when it cannot tell."""
    return backend.missing_indexes() if isinstance(backend, IndexProbe) else []


def composite_index(shape: QueryShape) -> CompositeIndex | None:
    """The composite index `shape` needs, or None when single-field indexes serve it.

    Firestore serves from its automatic single-field indexes a query with equality filters
    only (merged), and one whose range filters and order are all on a single field with
    no other filter. Any other mix (an equality and an order or range on another field,
    ranges or orders on two fields) needs a composite index: the equality fields first,
    then the order (a range field without an order is ordered by, ascending).
    """
    equal = [f for f, op in shape.filters if op in _EQUALITY and f != _KEY]
    ranged = [f for f, op in shape.filters if op not in _EQUALITY and f != _KEY]
    order = [(f, d) for f, d in shape.order if f != _KEY]
    if not ranged and not order:
        return None
    if len({*equal, *ranged, *(f for f, _ in order)}) <= 1:
        return None
    ordered = order or [(f, ASC) for f in dict.fromkeys(ranged)]
    sorted_fields = {f for f, _ in ordered}
    prefix = [(f, ASC) for f in dict.fromkeys(equal) if f not in sorted_fields]
    return CompositeIndex(shape.collection, (*prefix, *ordered), len(prefix))


def declared_indexes(config: Mapping[str, Any]) -> list[CompositeIndex]:
    """The collection-scope composite indexes of a ``firestore.indexes.json``."""
    return [
        CompositeIndex(index["collectionGroup"], tuple(
            (f["fieldPath"], f.get("order", ASC)) for f in index["fields"]))
        for index in config.get("indexes", [])
        if index.get("queryScope", "COLLECTION") == "COLLECTION"
    ]


def covers(index: CompositeIndex, needed: CompositeIndex) -> bool:
    """Whether `index` serves queries that need `needed`: same collection, the same
    equality fields first (in any order and direction), then the same order exactly."""
    if index.collection != needed.collection or len(index.fields) != len(needed.fields):
        return False
    prefix = needed.equalities
    return ({f for f, _ in index.fields[:prefix]} == {f for f, _ in needed.fields[:prefix]}
            and index.fields[prefix:] == needed.fields[prefix:])


def exempted(config: Mapping[str, Any]) -> dict[tuple[str, str], frozenset[str]]:
    """(collection, field) -> the single-field index orders left by a ``fieldOverrides``
    entry (empty: not indexed at all); fields without an entry have both orders."""
    left: dict[tuple[str, str], frozenset[str]] = {}
    for override in config.get("fieldOverrides", []):
        orders = frozenset(i["order"] for i in override.get("indexes", []) if "order" in i
                           and i.get("queryScope", "COLLECTION") == "COLLECTION")
        left[(override["collectionGroup"], override["fieldPath"])] = orders
    return left


def problems(queries: Iterable[QueryShape], config: Mapping[str, Any]) -> list[str]:
    """What ``firestore.indexes.json`` (as `config`) lacks for `queries`, one line each:
    a composite index not declared, or a field a query needs exempted from indexing."""
    declared = declared_indexes(config)
    orders_left = exempted(config)
    found = []
    for shape in queries:
        needed = composite_index(shape)
        if needed is not None:
            if not any(covers(index, needed) for index in declared):
                found.append(f"query {shape} needs the composite index {needed}: "
                             f"not in firestore.indexes.json")
            continue
        wanted = [(f, None) for f, _ in shape.filters] + list(shape.order)
        for name, order in wanted:
            left = orders_left.get((shape.collection, name))
            if name == _KEY or left is None or (left if order is None else order in left):
                continue
            found.append(f"query {shape} needs a single-field index on {name}"
                         f"{'' if order is None else f' ({order.lower()})'}, which a "
                         f"fieldOverride in firestore.indexes.json removes")
    return found
