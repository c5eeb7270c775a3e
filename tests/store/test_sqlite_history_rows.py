"""Run records as SQLite values: timestamps sort as instants, JSON as ``json.dumps`` writes it,
task runs come back exactly, with ids derived from (run, task, map index) stored as null."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marvin.store.run_records import LogRecord, TaskRunRecord
from marvin.store.sqlite.history_rows import iso, logs_json, task_json, task_run_from_item

PARIS = dt.timezone(dt.timedelta(hours=1))
ZONES = st.sampled_from([dt.UTC, PARIS, dt.timezone(dt.timedelta(hours=-9, minutes=-30))])
INSTANTS = st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30),
                        timezones=ZONES)
T0 = dt.datetime(2026, 3, 2, 8, 30, 0, 123456, tzinfo=dt.UTC)
RUN = "3f2a9c0d5e6f47a8b9c0d1e2f3a4b5c6"


@settings(derandomize=True, max_examples=300)
@given(INSTANTS, INSTANTS)
def test_sqlite_timestamps_are_utc_isoformat_and_sort_as_instants(
    a: dt.datetime, b: dt.datetime
) -> None:
    assert iso(a) == a.astimezone(dt.UTC).isoformat(timespec="microseconds")
    assert (iso(a) < iso(b)) == (a < b)
    assert dt.datetime.fromisoformat(iso(a)) == a


@settings(derandomize=True, max_examples=200)
@given(st.lists(st.tuples(INSTANTS, st.text(max_size=8), st.text()), max_size=4))
def test_sqlite_logs_are_written_as_json_dumps_would(logs: list[tuple[Any, str, str]]) -> None:
    records = [LogRecord(*log) for log in logs]
    expected = [[iso(r.at), r.level, r.message] for r in records]
    assert logs_json(records) == json.dumps(expected, separators=(",", ":"))


def task_run(run_id: str, map_index: int | None, parent_id: str | None) -> TaskRunRecord:
    return TaskRunRecord(
        id=run_id, flow_run_id=RUN, task="send_reminder", map_index=map_index,
        parent_id=parent_id, state="Success", message="sent \"hi\" 🚀", result="ok",
        run_count=2, started_at=T0, ended_at=None, position=7,
        logs=(LogRecord(T0.astimezone(PARIS), "INFO", "line\nbreak"),),
    )


OWN = f"{RUN}/send_reminder"


@pytest.mark.parametrize(("record", "stored_id", "stored_parent"), [
    (task_run(OWN, None, None), None, 0),
    (task_run(f"{OWN}[3]", 3, OWN), None, 0),
    (task_run("elsewhere", 3, "someone"), "elsewhere", "someone"),
    (task_run(f"{OWN}[3]", 3, None), None, None),
], ids=["derived", "derived-mapped", "explicit", "mapped-without-parent"])
def test_a_task_run_comes_back_exactly_and_derived_ids_are_not_stored(
    record: TaskRunRecord, stored_id: str | None, stored_parent: Any
) -> None:
    item = json.loads(task_json(record))
    assert item == json.loads(json.dumps(item))  # plain JSON
    assert (item[1], item[4]) == (stored_id, stored_parent)
    assert task_run_from_item(RUN, item) == record  # times compare as instants


def test_a_naive_time_or_a_non_integer_position_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        iso(dt.datetime(2026, 3, 2, 8, 30))
    with pytest.raises(ValueError, match="integers"):
        task_json(dataclasses.replace(task_run("x", None, None), position=1.0))  # type: ignore[arg-type]
