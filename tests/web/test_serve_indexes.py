"""`marvin serve` checks Firestore's composite indexes at start: a missing one is a
warning line with the command that creates it, and serving goes on."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from marvin.store.firestore.calls import QueryShape
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.indexes import CompositeIndex, MissingIndex
from marvin.testing.slack_api import SlackStandIn
from marvin.web import serve as serve_module
from tests.support.settings import stand_in_settings

BY_FLOW = QueryShape("flow_runs").where("flow", "==").order_by("started_at", "DESCENDING")


def test_serve_logs_a_missing_index_at_start_and_serves_anyway(
    firestore_project: str, standin: SlackStandIn, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The refusal itself is injected through the intercept seam in
    tests/store/test_firestore_indexes.py; here the database answers through Marvin's own
    `FirestoreHistory.missing_indexes`, and uvicorn returns at once."""
    index = CompositeIndex("flow_runs", (("flow", "ASCENDING"), ("started_at", "DESCENDING")))

    def missing(self: FirestoreHistory) -> list[MissingIndex]:
        return [MissingIndex(BY_FLOW, index, self.project, "400 The query requires an index")]

    served: list[Any] = []

    def serving(app: Any, **options: Any) -> None:
        """Return once the scheduler's start-up catch-up has run: stopping the scheduler
        while it still holds that one-off job makes APScheduler's thread raise."""
        served.append(app)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
                "catch_up" in r.getMessage() and "executed" in r.getMessage()
                for r in caplog.records):
            time.sleep(0.05)

    monkeypatch.setattr(FirestoreHistory, "missing_indexes", missing)
    monkeypatch.setattr("uvicorn.run", serving)
    settings = stand_in_settings(standin.url, "xoxb-serve-index", "secret", store="firestore",
                                 google_cloud_project=firestore_project)

    with caplog.at_level(logging.WARNING, "marvin.web.serve"), \
            caplog.at_level(logging.INFO, "apscheduler.executors.default"):
        serve_module.serve(settings)

    assert len(served) == 1  # it served
    assert [r.getMessage() for r in caplog.records if r.name == "marvin.web.serve"] == [
        "Firestore index missing: flow_runs (flow ascending, started_at descending), so "
        "RunHistory.list_flow_runs(flow) fails; create it: gcloud firestore indexes "
        f"composite create --project={firestore_project} --collection-group=flow_runs "
        "--query-scope=COLLECTION --field-config=field-path=flow,order=ascending "
        "--field-config=field-path=started_at,order=descending"]
