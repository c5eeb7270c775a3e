"""A flow run's summary (what its task runs came to) is kept in its record on both
backends; runs recorded before summaries existed read back with none ({})."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from marvin.store.firestore.history import FirestoreHistory
from marvin.store.run_history import RunHistory
from marvin.store.run_records import summarize
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.history_rows import iso
from tests.store.history_records import RUN, T0, flow_run, task_run

SUMMARY = {"tasks": {
    "get_standup_date": {"state": "Success", "result": "2026-03-02"},
    "is_reminder_needed": {"state": "Mapped", "result": "", "children": {"Success": 2,
                                                                         "Skipped": 1}},
}}


def test_a_summary_round_trips_with_the_run(history: RunHistory) -> None:
    history.save_flow_run(flow_run(summary=SUMMARY))
    history.save_flow_run(flow_run("b" * 32))  # none: e.g. still running
    runs = {r.id: r.summary for r in history.list_flow_runs()}
    assert runs == {RUN: SUMMARY, "b" * 32: {}}
    found = history.get_run(RUN)
    assert found is not None and found.run.summary == SUMMARY


def test_summarize_counts_each_task_s_children_by_state() -> None:
    runs = [task_run(0, slug="get_standup_date", result="2026-03-02"),
            task_run(1, slug="is_reminder_needed", state="Mapped", result=""),
            *(task_run(2 + i, slug="is_reminder_needed", index=i,
                       state="Skipped" if i == 1 else "Success") for i in range(3))]
    assert summarize(runs) == SUMMARY


def test_a_sqlite_history_made_before_summaries_gets_the_column(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE flow_runs (id TEXT PRIMARY KEY, flow TEXT NOT NULL, version TEXT NOT NULL,"
        " parameters TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,"
        " scheduled_at TEXT, started_at TEXT, ended_at TEXT, graph TEXT NOT NULL,"
        " runner TEXT NOT NULL DEFAULT '');"
        f"INSERT INTO flow_runs VALUES ('{RUN}', 'reminder', '1', '{{}}', 'Success', '',"
        f" NULL, '{iso(T0)}', '{iso(T0)}', '{{}}', 'h:1:2');"
    )
    old.close()
    history = SqliteHistory(path)
    try:
        assert [(r.id, r.summary) for r in history.list_flow_runs()] == [(RUN, {})]
        history.save_flow_run(flow_run("c" * 32, summary=SUMMARY))
        assert {r.id: r.summary for r in history.list_flow_runs()} == {
            RUN: {}, "c" * 32: SUMMARY}
    finally:
        history.close()


def test_a_firestore_run_recorded_before_summaries_reads_with_none(
    firestore_history: FirestoreHistory,
) -> None:
    firestore_history.save_flow_run(flow_run())
    header = firestore_history.client.collection("flow_runs").document(RUN)
    stored = header.get().to_dict()
    del stored["summary"]
    header.set(stored)  # as an earlier Marvin wrote it
    assert [r.summary for r in firestore_history.list_flow_runs()] == [{}]
