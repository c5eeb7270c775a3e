"""The `RunHistory` contract: every test here runs on SQLite and on Firestore (the emulator),
through the `history` fixture. What is about one backend only is in test_history_backends.py."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from marvin.store.run_history import RunHistory
from marvin.store.run_records import (
    LogRecord,
    RunDetail,
)
from tests.store.history_records import (
    PARIS,
    RUN,
    TEXTS,
    at,
    detail,
    event,
    flow_run,
    mapped_run,
    task_run,
)


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
