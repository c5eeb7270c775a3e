"""Run histories, one backend at a time: SQLite sharing its file with the store and opening
older files, Firestore's document layout, batching and failing fast, and `open_history`.
(What both must do is the contract, test_history_contract.py.)"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from marvin.domain.models import Member
from marvin.store import StoreError, open_history
from marvin.store.firestore.history import MAX_BATCH, FirestoreHistory, task_run_id
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.history_rows import iso
from marvin.store.sqlite.store import SqliteStore
from tests.store.history_records import (
    RUN,
    T0,
    at,
    detail,
    event,
    flow_run,
    mapped_run,
    task_run,
)
from tests.support.deadlines import finishes_within
from tests.support.firestore_faults import FirestoreFaults


# SQLite only -------------------------------------------------------------------------------
def test_sqlite_history_and_store_share_one_file(tmp_path: Path) -> None:
    path = str(tmp_path / "marvin.db")
    store, history = SqliteStore(path), SqliteHistory(path)
    store.save_member(Member("U1", "ops"))
    history.save_flow_run(flow_run())
    history.save_task_runs(mapped_run())
    store.append_update("ops", "2026-03-02", "U1", "did A", T0)
    history.close()
    store.close()
    store, history = SqliteStore(path), SqliteHistory(path)  # reopened: schema untouched
    assert store.get_member("U1") == Member("U1", "ops")
    assert detail(history).task_runs == mapped_run()
    assert [u.entries for u in store.list_updates("ops", "2026-03-02")] == [("did A",)]
    store.close()
    history.close()


def test_a_sqlite_history_made_before_runners_were_recorded_gets_the_column(
    tmp_path: Path,
) -> None:
    """A database written by an earlier Marvin (no ``runner`` column) opens, keeps its
    runs (runner ''), and records runners from then on."""
    import sqlite3

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE flow_runs (id TEXT PRIMARY KEY, flow TEXT NOT NULL, version TEXT NOT NULL,"
        " parameters TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,"
        " scheduled_at TEXT, started_at TEXT, ended_at TEXT, graph TEXT NOT NULL);"
        f"INSERT INTO flow_runs VALUES ('{RUN}', 'reminder', '1', '{{}}', 'Running', '',"
        f" NULL, '{iso(T0)}', NULL, '{{}}');"
    )
    old.close()
    history = SqliteHistory(path)
    try:
        assert [(r.id, r.runner) for r in history.list_unfinished()] == [(RUN, "")]
        history.save_flow_run(flow_run("d" * 32, state="Running", ended_at=None, runner="h:1:2"))
        assert [r.runner for r in history.list_unfinished()] == ["h:1:2", ""]  # same start: by id
    finally:
        history.close()
    SqliteHistory(path).close()  # opening again adds nothing twice


# Firestore only ----------------------------------------------------------------------------
def test_firestore_documents_follow_the_documented_layout(
    firestore_history: FirestoreHistory,
) -> None:
    firestore_history.save_flow_run(flow_run())
    firestore_history.save_task_runs([task_run(7)])
    firestore_history.save_events([event(0)])
    runs = firestore_history.client.collection("flow_runs")
    header = runs.document(RUN).get().to_dict()
    assert header["started_at"] == at(0) and header["parameters"] == (
        '{"team": "ops", "dry_run": false}')
    assert runs.document(RUN).collection("task_runs").document(task_run_id(7)).get().exists
    assert len(list(runs.document(RUN).collection("events").stream())) == 1


def test_firestore_writes_in_batches_of_at_most_500(firestore_project: str) -> None:
    faults = FirestoreFaults()  # counts each commit's writes, through the public seam
    history = FirestoreHistory(project=firestore_project, intercept=faults)
    try:
        history.save_task_runs([task_run(i) for i in range(1201)])
        assert Counter(faults.commits) == Counter({MAX_BATCH: 2, 201: 1})
        faults.commits.clear()
        big = "x" * 900_000  # ~3.6 MB by the estimate: two such task runs per batch
        history.save_task_runs([task_run(i, result=big) for i in range(5)])
        assert Counter(faults.commits) == Counter({2: 2, 1: 1})
    finally:
        history.close()


@pytest.mark.timeout(30)
@pytest.mark.parametrize("op", ["save_flow_run", "save_task_runs", "list_flow_runs", "get_run",
                                "delete_runs_before"])
def test_unreachable_firestore_fails_fast_with_store_error(
    monkeypatch: pytest.MonkeyPatch, op: str
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")
    history = FirestoreHistory(project="unreachable", timeout=1.0)
    calls: dict[str, Callable[[], object]] = {
        "save_flow_run": lambda: history.save_flow_run(flow_run()),
        "save_task_runs": lambda: history.save_task_runs([task_run(0)]),
        "list_flow_runs": lambda: history.list_flow_runs(),
        "get_run": lambda: history.get_run(RUN),
        "delete_runs_before": lambda: history.delete_runs_before(T0),
    }
    error = finishes_within(10.0, calls[op])  # a deadline 10x the timeout, not a timing
    assert isinstance(error, StoreError), error
    assert re.search(f"Firestore {op} failed .*unreachable.*127.0.0.1:1", str(error))
    history.close()


# open_history ------------------------------------------------------------------------------
def test_open_history_takes_the_store_urls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = open_history(f"sqlite:///{tmp_path / 'marvin.db'}", project="ignored")
    assert isinstance(history, SqliteHistory) and isinstance(history, RunHistory)
    history.close()
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")  # building connects nowhere
    remote = open_history("firestore", project="marvin-test")
    assert isinstance(remote, FirestoreHistory) and remote.client.project == "marvin-test"
    remote.close()
    for url in ("", "sqlite:///", "sqlite://x.db", "Firestore", "postgres://h/db"):
        with pytest.raises(ValueError, match="sqlite:///PATH"):
            open_history(url)
