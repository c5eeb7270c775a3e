"""Firestore's indexes cannot regress silently: every query the backend makes is declared
(captured through the intercept seam while the queries run), firestore.indexes.json covers
each declared one, the checker fails for a query without its index, and a missing index
in the database is reported with the command that creates it."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import pytest
from google.api_core import exceptions as gexc

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DeliveryKind, Member
from marvin.store.base import StoreError
from marvin.store.firestore.calls import QueryShape
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.indexes import (
    ASC,
    DESC,
    QUERIES,
    CompositeIndex,
    composite_index,
    missing_indexes,
    problems,
)
from marvin.store.firestore.installations import FirestoreInstallations
from marvin.store.firestore.store import FirestoreStore
from marvin.web.serve import warn_missing_indexes
from tests.store.history_records import RUN, T0, event, flow_run, task_run
from tests.support.firestore_faults import FirestoreFaults
from tests.support.firestore_queries import QueryCapture

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / "firestore.indexes.json").read_text())
RUNS = QueryShape("flow_runs")
BY_FLOW = RUNS.where("flow", "==").order_by("started_at", DESC)


@pytest.mark.parametrize("namespace", [None, "TAAAA1"])  # a workspace's: the same indexes
def test_every_query_the_backend_makes_is_declared_and_every_declared_one_is_made(
    firestore_project: str, namespace: str | None,
) -> None:
    capture = QueryCapture()
    store = FirestoreStore(project=firestore_project, intercept=capture, namespace=namespace)
    history = FirestoreHistory(project=firestore_project, intercept=capture,
                               namespace=namespace)
    # installations live outside every workspace's namespace: one set of queries either way
    installations = FirestoreInstallations(project=firestore_project, intercept=capture)
    try:
        installations.list_installations()
        installations.list_installations("TALPHA")
        installations.issue_state("s1", T0)
        installations.consume_state("s1", T0)
        store.save_member(Member("U1", "ops"))
        store.list_teams()
        store.list_members("ops")
        store.list_updates("ops", "2026-03-02")
        store.list_member_updates("ops", "U1", limit=5)
        list(store.iter_team_updates("ops", since="2026-03-01", until="2026-03-31"))
        store.claim_delivery(DeliveryKey(DeliveryKind.REMINDER, "ops", "2026-03-02", "U1"), T0)
        store.list_deliveries("ops", "2026-03-02")
        store.list_absences("U1")
        store.absences_from("2026-03-02")
        store.list_updates_between("ops", "2026-03-01", "2026-03-31")
        store.list_deliveries_between("ops", "2026-03-01", "2026-03-31")
        history.save_flow_run(flow_run())
        history.save_task_runs([task_run(0)])
        history.save_events([event(0)])
        for flow in (None, "reminder"):
            for since in (None, T0):
                history.list_flow_runs(flow=flow, since=since)
        history.list_flow_runs(flow="reminder", since=T0, until=T0 + dt.timedelta(days=1))
        history.list_unfinished()
        history.get_run(RUN[:8])  # a prefix: the id range query, then the run's children
        history.delete_runs_before(T0 + dt.timedelta(days=1))
        assert history.missing_indexes() == []  # the emulator serves every query
    finally:
        store.close()
        history.close()
        installations.close()

    assert capture.shapes == set(QUERIES), "declare new queries; drop ones no longer made"


def test_firestore_indexes_json_covers_every_declared_query() -> None:
    assert problems(QUERIES, CONFIG) == []


# The checker ------------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "needed"), [
    (QueryShape("teams"), None),
    (QueryShape("updates").where("team", "==").where("date", "=="), None),  # merged
    (RUNS.where("started_at", ">=").order_by("started_at", DESC), None),  # one field
    (RUNS.where("__name__", ">=").where("__name__", "<"), None),
    (BY_FLOW, (("flow", ASC), ("started_at", DESC))),
    (RUNS.where("flow", "==").where("started_at", ">="), (("flow", ASC), ("started_at", ASC))),
    (RUNS.where("state", "==").where("flow", "==").order_by("ended_at", ASC),
     (("state", ASC), ("flow", ASC), ("ended_at", ASC))),
    (RUNS.order_by("flow", ASC).order_by("started_at", DESC),
     (("flow", ASC), ("started_at", DESC))),
])
def test_which_queries_need_a_composite_index(
    shape: QueryShape, needed: tuple[tuple[str, str], ...] | None
) -> None:
    index = composite_index(shape)
    assert (index.fields if index else None) == needed


def test_a_query_added_without_its_index_fails_the_check() -> None:
    added = QueryShape("updates").where("team", "==").order_by("date", DESC)
    assert problems([*QUERIES, added], CONFIG) == [
        "query updates (team ==, order by date descending) needs the composite index "
        "updates (team ascending, date descending): not in firestore.indexes.json"]


def test_an_index_removed_or_in_the_wrong_order_fails_the_check() -> None:
    # runs by flow (with and without since, since and until); updates, deliveries and day
    # summaries by team and date range; a member's updates, a team's updates by date
    assert len(problems(QUERIES, {**CONFIG, "indexes": []})) == 8
    reversed_order = {"indexes": [{"collectionGroup": "flow_runs", "queryScope": "COLLECTION",
                                   "fields": [{"fieldPath": "flow", "order": "ASCENDING"},
                                              {"fieldPath": "started_at", "order": "ASCENDING"}]}]}
    assert problems([BY_FLOW], reversed_order) != []


def test_equality_fields_of_an_index_may_come_in_any_order() -> None:
    shape = RUNS.where("state", "==").where("flow", "==").order_by("ended_at", ASC)
    index = {"indexes": [{"collectionGroup": "flow_runs", "fields": [
        {"fieldPath": "flow", "order": "DESCENDING"}, {"fieldPath": "state", "order": "ASCENDING"},
        {"fieldPath": "ended_at", "order": "ASCENDING"}]}]}
    assert problems([shape], index) == []


def test_exempting_a_field_a_query_needs_fails_the_check() -> None:
    exempt = {**CONFIG, "fieldOverrides": [
        *CONFIG["fieldOverrides"],
        {"collectionGroup": "flow_runs", "fieldPath": "state", "indexes": []}]}
    assert problems(QUERIES, exempt) == [
        "query flow_runs (state ==) needs a single-field index on state, which a "
        "fieldOverride in firestore.indexes.json removes"]
    ascending_only = {"fieldOverrides": [{"collectionGroup": "flow_runs", "fieldPath":
                                          "started_at", "indexes": [{"order": "ASCENDING"}]}]}
    assert problems([RUNS.order_by("started_at", DESC)], ascending_only) != []


def test_the_create_command_names_each_field_in_order() -> None:
    index = CompositeIndex("flow_runs", (("flow", ASC), ("started_at", DESC)))
    assert index.create_command("my-project") == (
        "gcloud firestore indexes composite create --project=my-project "
        "--collection-group=flow_runs --query-scope=COLLECTION "
        "--field-config=field-path=flow,order=ascending "
        "--field-config=field-path=started_at,order=descending")


# A missing index in the database ----------------------------------------------------------
def refuse_for_want_of_an_index(message: str) -> Exception:
    return gexc.FailedPrecondition(  # type: ignore[no-untyped-call]
        f"The query requires an index. You can create it here: https://console... ({message})")


def test_a_missing_index_is_found_by_running_its_query_once(firestore_project: str) -> None:
    faults = FirestoreFaults()
    history = FirestoreHistory(project=firestore_project, intercept=faults)
    try:
        with faults.failing(frozenset({"query"}), refuse_for_want_of_an_index, times=1):
            missing = missing_indexes(history)
    finally:
        history.close()
    composite = [shape for shape in QUERIES if composite_index(shape) is not None]
    assert faults.calls["query"] == len(composite) == 8  # each composite query, once
    assert [m.query for m in missing] == composite[:1]
    assert missing[0].command == (
        f"gcloud firestore indexes composite create --project={firestore_project} "
        "--collection-group=flow_runs --query-scope=COLLECTION "
        "--field-config=field-path=flow,order=ascending "
        "--field-config=field-path=started_at,order=descending")


def test_serve_logs_a_missing_index_as_a_warning_and_goes_on(
    firestore_project: str, caplog: pytest.LogCaptureFixture
) -> None:
    faults = FirestoreFaults()
    history = FirestoreHistory(project=firestore_project, intercept=faults)
    try:
        with caplog.at_level(logging.WARNING, "marvin.web.serve"), \
                faults.failing(frozenset({"query"}), refuse_for_want_of_an_index, times=2):
            lines = warn_missing_indexes(history)
        with caplog.at_level(logging.WARNING, "marvin.web.serve"), \
                faults.refusing(frozenset({"query"})):
            unchecked = warn_missing_indexes(history)  # no crash when it cannot tell
    finally:
        history.close()
    assert len(lines) == 2 and all(
        line.startswith("Firestore index missing: flow_runs (flow ascending, started_at "
                        "descending), so RunHistory.list_flow_runs(flow")
        and "gcloud firestore indexes composite create" in line for line in lines)
    assert unchecked == [unchecked[0]] and "could not check Firestore's composite indexes" in (
        unchecked[0]) and "roles/datastore.user" in unchecked[0]
    assert [r.getMessage() for r in caplog.records] == [*lines, *unchecked]


def test_a_database_in_datastore_mode_is_named_not_taken_for_a_missing_index(
    firestore_project: str,
) -> None:
    faults = FirestoreFaults()
    history = FirestoreHistory(project=firestore_project, intercept=faults)

    def datastore_mode(message: str) -> Exception:  # what Firestore answers then
        return gexc.FailedPrecondition(  # type: ignore[no-untyped-call]
            "The Cloud Firestore API is not available for Firestore in Datastore Mode "
            f"database projects/{firestore_project}/databases/(default).")

    try:
        with faults.failing(frozenset({"query"}), datastore_mode, times=1), \
                pytest.raises(StoreError, match="needs a Firestore database in Native mode"):
            missing_indexes(history)
    finally:
        history.close()
