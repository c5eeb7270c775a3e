"""The `RunHistory` contract: every test here runs on SQLite and on Firestore (the emulator).

A few tests at the end are about one backend only: SQLite sharing its file with the store,
Firestore batching and failing fast, and `open_history`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from marvin.domain.models import Member
from marvin.store import StoreError, open_history
from marvin.store.firestore.history import MAX_BATCH, FirestoreHistory, task_run_id
from marvin.store.run_history import RunHistory
from marvin.store.run_records import (
    EventRecord,
    FlowRunRecord,
    LogRecord,
    RunDetail,
    TaskRunRecord,
)
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.history_rows import iso
from marvin.store.sqlite.store import SqliteStore
from tests.support.deadlines import finishes_within
from tests.support.firestore_faults import FirestoreFaults

T0 = dt.datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=dt.UTC)
PARIS = dt.timezone(dt.timedelta(hours=1))
RUN = "3f2a9c0d5e6f47a8b9c0d1e2f3a4b5c6"
GRAPH = {
    "nodes": [{"slug": "get_team", "mapped": False}, {"slug": "send_reminder", "mapped": True}],
    "edges": [{"from": "get_team", "to": "send_reminder", "key": "team", "mapped": False}],
}
TEXTS = {
    "emoji": "🚀 shipped it 👩🏽‍💻 ✅",
    "rtl": "مرحبا بالعالم — שלום עולם",
    "long": "x" * 20_000,
    "quoting": 'quotes \' " \\ and {"json": [1]} and %s %(x)s \x00',
    "newlines": "line one\nline two\r\n\ttabbed  ",
    "empty": "",
}


def at(minutes: float) -> dt.datetime:
    """A fixed instant `minutes` after T0: tests never read the clock."""
    return T0 + dt.timedelta(minutes=minutes)


def flow_run(run_id: str = RUN, *, flow: str = "reminder", started: float | None = 0,
             state: str = "Success", **changes: Any) -> FlowRunRecord:
    started_at = None if started is None else at(started)
    record = FlowRunRecord(
        id=run_id, flow=flow, version="1.2.0", parameters={"team": "ops", "dry_run": False},
        state=state, message="", scheduled_at=started_at, started_at=started_at,
        ended_at=None if started_at is None else started_at + dt.timedelta(seconds=3),
        graph=GRAPH,
    )
    return dataclasses.replace(record, **changes)


def task_run(position: int, *, run_id: str = RUN, slug: str = "get_team",
             index: int | None = None, **changes: Any) -> TaskRunRecord:
    record = TaskRunRecord(
        id=f"{run_id}/{slug}" + ("" if index is None else f"[{index}]"), flow_run_id=run_id,
        task=slug, map_index=index, parent_id=None if index is None else f"{run_id}/{slug}",
        state="Success", message="", result="'ok'", run_count=1,
        started_at=at(position / 60), ended_at=at(position / 60 + 0.001), position=position,
    )
    return dataclasses.replace(record, **changes)


def event(minute: float, *, run_id: str = RUN, method: str = "chat.postMessage",
          task_run_id: str | None = None) -> EventRecord:
    return EventRecord(flow_run_id=run_id, task_run_id=task_run_id, at=at(minute),
                       system="slack", method=method, target="U1", outcome="ok",
                       duration_ms=12.5)


def detail(history: RunHistory, run_id: str = RUN) -> RunDetail:
    found = history.get_run(run_id)
    assert found is not None
    return found


def test_is_a_run_history(history: RunHistory) -> None:
    assert isinstance(history, RunHistory)


# Flow runs ---------------------------------------------------------------------------------
def test_header_saved_at_start_is_replaced_at_the_end(history: RunHistory) -> None:
    start = flow_run(state="Running", ended_at=None)
    history.save_flow_run(start)
    assert detail(history) == RunDetail(start)
    end = flow_run(state="Failed", message="send_reminder failed: 1 of 3")
    history.save_flow_run(end)
    assert detail(history).run == end
    assert history.list_flow_runs() == [end]


def test_unfinished_runs_are_listed_newest_first_with_their_runner(
    history: RunHistory,
) -> None:
    runner = "host-a:4242:123456"
    history.save_flow_run(flow_run("a" * 32, state="Running", ended_at=None, runner=runner))
    history.save_flow_run(flow_run("b" * 32, started=5, state="Running", ended_at=None))
    history.save_flow_run(flow_run("c" * 32, started=9))  # finished
    assert history.list_unfinished() == [
        flow_run("b" * 32, started=5, state="Running", ended_at=None),
        flow_run("a" * 32, state="Running", ended_at=None, runner=runner),
    ]
    history.save_flow_run(flow_run("a" * 32, state="Failed", runner=runner))
    assert [r.id for r in history.list_unfinished()] == ["b" * 32]
    assert history.list_flow_runs(limit=1)[0].runner == ""


def test_parameters_and_graph_round_trip_exactly(history: RunHistory) -> None:
    parameters = {"team": "ünï 🚀", "limit": 3, "ratio": 0.5, "whole": 1.0, "none": None,
                  "on": True, "nested": {"__x__": [1, "two", None]}, "": "empty key"}
    graph = {"nodes": [{"slug": f"t{i}", "mapped": i % 2 == 0} for i in range(50)],
             "edges": [{"from": "t0", "to": "t1", "key": None, "mapped": True}]}
    run = flow_run(parameters=parameters, graph=graph, message=TEXTS["rtl"])
    history.save_flow_run(run)
    assert detail(history).run == run


def test_datetimes_come_back_as_the_same_aware_instants(history: RunHistory) -> None:
    run = flow_run(scheduled_at=None, started_at=at(0).astimezone(PARIS), ended_at=None)
    history.save_flow_run(run)
    back = detail(history).run
    assert back == run and back.scheduled_at is None and back.ended_at is None
    assert back.started_at is not None and back.started_at.utcoffset() is not None


def test_naive_datetimes_are_refused_and_nothing_is_written(history: RunHistory) -> None:
    naive = dt.datetime(2026, 3, 2, 8, 30)
    with pytest.raises(ValueError, match="aware"):
        history.save_flow_run(flow_run(started_at=naive))
    with pytest.raises(ValueError, match="aware"):
        history.save_task_runs([task_run(0), task_run(1, ended_at=naive)])
    with pytest.raises(ValueError, match="aware"):
        history.save_events([event(0), dataclasses.replace(event(1), at=naive)])
    with pytest.raises(ValueError, match="aware"):
        history.list_flow_runs(since=naive)
    with pytest.raises(ValueError, match="aware"):
        history.delete_runs_before(naive)
    assert history.get_run(RUN) is None
    history.save_flow_run(flow_run())
    assert detail(history).task_runs == [] and detail(history).events == []


# Task runs ---------------------------------------------------------------------------------
def mapped_run() -> list[TaskRunRecord]:
    """A parent, its three mapped children, then a downstream task: in position order."""
    children = [task_run(2 + i, slug="send_reminder", index=i,
                         state="Skipped" if i == 1 else "Success") for i in range(3)]
    return [task_run(0), task_run(1, slug="send_reminder", state="Mapped", result=""),
            *children, task_run(5, slug="report", run_count=2)]


def test_task_runs_come_back_by_position_with_their_mapped_children(
    history: RunHistory,
) -> None:
    history.save_flow_run(flow_run())
    records = mapped_run()
    history.save_task_runs([records[i] for i in (3, 0, 5, 2, 4, 1)])
    back = detail(history).task_runs
    assert back == records
    assert [(t.map_index, t.parent_id) for t in back[2:5]] == [
        (i, f"{RUN}/send_reminder") for i in range(3)]


def test_saving_task_runs_again_replaces_them(history: RunHistory) -> None:
    history.save_flow_run(flow_run())
    history.save_task_runs(mapped_run())
    retried = task_run(3, slug="send_reminder", index=1, state="Success", run_count=2)
    history.save_task_runs([retried])
    back = detail(history).task_runs
    assert len(back) == 6 and back[3] == retried


def test_replacing_some_of_many_task_runs_keeps_the_others(history: RunHistory) -> None:
    """Many task runs in one call, then a few of them replaced in a second call, across
    the middle and the edges of whatever groups a backend stores them in."""
    history.save_flow_run(flow_run())
    many = [task_run(i, slug="send_reminder", index=i) for i in range(1300)]
    history.save_task_runs(many)
    replaced = [task_run(i, slug="send_reminder", index=i, state="Failed", run_count=3)
                for i in (0, 511, 512, 700, 1299)]
    history.save_task_runs(replaced + [task_run(1300, slug="report")])
    back = detail(history).task_runs
    assert [t.position for t in back] == list(range(1301))
    assert {t.position for t in back if t.state == "Failed"} == {0, 511, 512, 700, 1299}
    assert back[701] == many[701] and back[700] == replaced[3] and back[1300].task == "report"


def test_batches_with_sparse_interleaved_positions_come_back_in_order(
    history: RunHistory,
) -> None:
    """What a recorder writing as a run goes does: batches in finish order, at sparse
    positions (`marvin.history.recorder.position_of`), whose spans enclose each other."""
    history.save_flow_run(flow_run())
    big = 1 << 32
    first = [task_run(big + 1 + i, slug="send_reminder", index=i) for i in (0, 1, 5, 6)]
    second = [task_run(big + 1 + i, slug="send_reminder", index=i) for i in (2, 3, 4)]
    last = [task_run(0), task_run(big, slug="send_reminder", state="Mapped"),
            task_run(2 * big, slug="report")]
    history.save_task_runs(first)
    history.save_task_runs(second)
    history.save_task_runs(last)
    retried = task_run(big + 1 + 3, slug="send_reminder", index=3, state="Failed")
    history.save_task_runs([retried, task_run(big + 1 + 7, slug="send_reminder", index=7)])

    back = detail(history).task_runs

    assert [t.position for t in back] == [
        0, big, *(big + 1 + i for i in range(8)), 2 * big]
    assert [t.map_index for t in back[2:10]] == list(range(8))
    assert back[5] == retried and back[0] == last[0] and back[-1] == last[-1]


def test_two_task_runs_at_one_position_in_one_call_are_refused(history: RunHistory) -> None:
    history.save_flow_run(flow_run())
    unset = [task_run(0), task_run(0, slug="send_reminder")]  # `position` left at its default
    with pytest.raises(ValueError, match="share position 0"):
        history.save_task_runs(unset)
    history.save_task_runs([task_run(0), task_run(0, run_id="0" * 32)])  # other runs: fine
    assert detail(history).task_runs == [task_run(0)]


@pytest.mark.parametrize("text", list(TEXTS.values()), ids=list(TEXTS))
def test_task_run_text_and_logs_round_trip_exactly(history: RunHistory, text: str) -> None:
    logs = (LogRecord(at(0), "INFO", text), LogRecord(at(0).astimezone(PARIS), "ERROR", "x"),
            LogRecord(at(1), "DEBUG", text[::-1]))
    record = task_run(0, message=text, result=text, logs=logs)
    history.save_flow_run(flow_run(message=text))
    history.save_task_runs([record])
    back = detail(history)
    assert back.task_runs == [record] and back.run.message == text


def test_task_runs_belong_to_their_own_run(history: RunHistory) -> None:
    other = "9" * 32
    history.save_flow_run(flow_run())
    history.save_flow_run(flow_run(other))
    history.save_task_runs([task_run(0), task_run(0, run_id=other, slug="post_digest")])
    assert [t.task for t in detail(history).task_runs] == ["get_team"]
    assert [t.task for t in detail(history, other).task_runs] == ["post_digest"]


def test_two_thousand_task_runs_round_trip_in_one_call(history: RunHistory) -> None:
    records = [task_run(0), *(task_run(i, slug="send_reminder", index=i - 1,
                                       logs=(LogRecord(at(0), "INFO", f"U{i}"),) if i % 7 else ())
                              for i in range(1, 2000))]
    history.save_flow_run(flow_run())
    history.save_task_runs(records)
    assert detail(history).task_runs == records
    assert history.delete_runs_before(at(1)) == 1  # and its 2,000 task runs, in batches
    history.save_flow_run(flow_run())
    assert detail(history).task_runs == []


# Events ------------------------------------------------------------------------------------
def test_events_come_back_in_time_order(history: RunHistory) -> None:
    history.save_flow_run(flow_run())
    history.save_events([event(2, method="b"), event(0, method="a", task_run_id=f"{RUN}/x")])
    history.save_events([event(1, method="c"), event(3, method="d")])
    history.save_events([event(1, run_id="0" * 32)])
    back = detail(history).events
    assert [e.method for e in back] == ["a", "c", "b", "d"]
    assert back[0] == event(0, method="a", task_run_id=f"{RUN}/x")
    assert back[1].task_run_id is None


def test_events_of_the_same_instant_keep_the_order_they_were_saved_in(
    history: RunHistory,
) -> None:
    history.save_flow_run(flow_run())
    history.save_events([event(0, method=m) for m in "qwe"])
    history.save_events([event(0, method=m) for m in "rty"])
    assert [e.method for e in detail(history).events] == list("qwerty")


# Listing -----------------------------------------------------------------------------------
def hex_id(n: int) -> str:
    return f"{n:08x}" + "c" * 24


def test_list_is_newest_first_and_limited(history: RunHistory) -> None:
    for n, minute in enumerate([10, 0, 30, 20, 20]):
        history.save_flow_run(flow_run(hex_id(n), started=minute))
    assert history.list_flow_runs() == [  # a tie on started_at: the greater id first
        flow_run(hex_id(2), started=30), flow_run(hex_id(4), started=20),
        flow_run(hex_id(3), started=20), flow_run(hex_id(0), started=10),
        flow_run(hex_id(1), started=0)]
    assert [r.id for r in history.list_flow_runs(limit=2)] == [hex_id(2), hex_id(4)]
    assert history.list_flow_runs(limit=0) == []


def test_list_filters_by_flow_since_and_until(history: RunHistory) -> None:
    for n, (flow, minute) in enumerate([("reminder", 0), ("standup", 5), ("reminder", 10),
                                        ("standup", 15), ("reminder", 20)]):
        history.save_flow_run(flow_run(hex_id(n), flow=flow, started=minute))
    assert [r.id for r in history.list_flow_runs(flow="reminder")] == [
        hex_id(4), hex_id(2), hex_id(0)]
    assert [r.id for r in history.list_flow_runs(since=at(10))] == [
        hex_id(4), hex_id(3), hex_id(2)]
    assert [r.id for r in history.list_flow_runs(flow="standup", since=at(5).astimezone(PARIS),
                                                 limit=1)] == [hex_id(3)]
    assert [r.id for r in history.list_flow_runs(flow="reminder", since=at(0),
                                                 until=at(10))] == [hex_id(2), hex_id(0)]
    assert history.list_flow_runs(flow="nope") == []


def test_runs_that_never_started_are_listed_last_and_never_deleted(
    history: RunHistory,
) -> None:
    history.save_flow_run(flow_run(hex_id(1), started=None, state="Scheduled"))
    history.save_flow_run(flow_run(hex_id(2), started=0))
    assert [r.id for r in history.list_flow_runs()] == [hex_id(2), hex_id(1)]
    assert [r.id for r in history.list_flow_runs(since=at(-60))] == [hex_id(2)]
    assert history.delete_runs_before(at(60)) == 1
    assert [r.id for r in history.list_flow_runs()] == [hex_id(1)]


# get_run -----------------------------------------------------------------------------------
PREFIXED = ["3f2a9c0d" + "1" * 24, "3f2a9c0e" + "2" * 24, "3f2a9d00" + "3" * 24]


@pytest.fixture
def prefixed(history: RunHistory) -> RunHistory:
    for run_id in PREFIXED:
        history.save_flow_run(flow_run(run_id))
        history.save_task_runs([task_run(0, run_id=run_id)])
    return history


def test_get_run_by_full_id_or_unique_prefix(prefixed: RunHistory) -> None:
    for query in (PREFIXED[0], "3f2a9c0d", "3f2a9c0d1", "3f2a9d"):
        found = detail(prefixed, query)
        expected = PREFIXED[0] if query.startswith("3f2a9c") else PREFIXED[2]
        assert found.run.id == expected and [t.flow_run_id for t in found.task_runs] == [
            expected]


def test_an_ambiguous_prefix_is_refused_naming_the_candidates(prefixed: RunHistory) -> None:
    with pytest.raises(ValueError, match="ambiguous") as info:
        prefixed.get_run("3f2a9c")
    assert PREFIXED[0] in str(info.value) and PREFIXED[1] in str(info.value)
    assert PREFIXED[2] not in str(info.value)


def test_a_short_prefix_is_refused_and_an_unknown_one_is_none(prefixed: RunHistory) -> None:
    for short in ("3f2a9", "3", ""):
        with pytest.raises(ValueError, match="at least 6"):
            prefixed.get_run(short)
    assert prefixed.get_run("3f2a9b") is None
    assert prefixed.get_run("3f2a9c0d" + "1" * 25) is None  # longer than any id
    assert prefixed.get_run("ffffff") is None


def test_prefixes_work_whatever_the_characters(history: RunHistory) -> None:
    odd = ["run/ünï_cödé.🚀", "run/ünï_c\U0010ffffz", "run%2F_x.y", "short", "wide--🚀"]
    for run_id in odd:
        history.save_flow_run(flow_run(run_id))
    assert detail(history, "run/ünï_cö").run.id == odd[0]
    assert detail(history, "run/ünï_c\U0010ffff").run.id == odd[1]
    assert detail(history, "wide--").run.id == odd[4]  # a prefix + "\uf8ff" bound misses it
    assert detail(history, "run%2F_").run.id == odd[2]
    assert detail(history, "short").run.id == "short"  # an exact id may be short
    with pytest.raises(ValueError, match="ambiguous"):
        history.get_run("run/ünï_c")


# Deleting ----------------------------------------------------------------------------------
def test_delete_runs_before_removes_runs_with_their_task_runs_and_events(
    history: RunHistory,
) -> None:
    for n, minute in enumerate([0, 10, 20]):
        history.save_flow_run(flow_run(hex_id(n), started=minute))
        history.save_task_runs([task_run(0, run_id=hex_id(n)), task_run(1, run_id=hex_id(n))])
        history.save_events([event(minute, run_id=hex_id(n))])
    assert history.delete_runs_before(at(15)) == 2
    assert [r.id for r in history.list_flow_runs()] == [hex_id(2)]
    assert history.get_run(hex_id(0)) is None
    kept = detail(history, hex_id(2))
    assert len(kept.task_runs) == 2 and len(kept.events) == 1
    for n in (0, 1):  # a run saved again under an old id starts empty
        history.save_flow_run(flow_run(hex_id(n), started=60))
        assert detail(history, hex_id(n)).task_runs == []
        assert detail(history, hex_id(n)).events == []
    assert history.delete_runs_before(at(15)) == 0


def test_delete_with_a_cutoff_in_another_zone_compares_instants(history: RunHistory) -> None:
    history.save_flow_run(flow_run(started=0))
    assert history.delete_runs_before(at(0).astimezone(PARIS)) == 0  # not before itself
    assert history.delete_runs_before(at(0.001).astimezone(PARIS)) == 1


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


ZONES = st.sampled_from([dt.UTC, PARIS, dt.timezone(dt.timedelta(hours=-9, minutes=-30))])
INSTANTS = st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30),
                        timezones=ZONES)


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
