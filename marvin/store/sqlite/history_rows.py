"""Run-history records as SQLite values and back: UTC timestamps as text, task runs as
compact JSON arrays, written by hand because this is the hot path of recording a run.

Datetimes are ISO 8601 in UTC with offset and fixed microseconds, so text order is time
order (``ORDER BY started_at`` and ``started_at < ?`` work on the text). A task run is
``[position, id, task, map_index, parent_id, state, message, result, run_count,
started_at, ended_at, logs]``; ids that follow from (run, task, map index) are stored as
null and rebuilt when read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, overload

from marvin.store.run_records import EventRecord, FlowRunRecord, LogRecord, TaskRunRecord

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_NAIVE = _EPOCH.replace(tzinfo=None)
_SECONDS: dict[int, str] = {}  # seconds since the epoch -> "YYYY-MM-DDTHH:MM:SS"
_SECONDS_CACHED = 4096
_MILLIS = [f".{n:03d}" for n in range(1000)]
_MICROS = [f"{n:03d}+00:00" for n in range(1000)]


@overload
def iso(value: dt.datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
def iso(value: dt.datetime | None) -> str | None:
    """UTC ISO 8601 with offset and fixed microseconds; naive input is refused.

    ``isoformat`` costs ~2 µs here, twice per task run, against a budget of ~5 µs per
    record. A run's task runs share few seconds, so each second's text is cached and the
    microseconds are looked up by thousands: ~0.5 µs.
    """
    if value is None:
        return None
    if value.tzinfo is not dt.UTC and value.utcoffset() is None:
        raise ValueError(f"datetime must be time-zone aware, got {value!r}")
    delta = value - _EPOCH  # exact, whatever the offset
    second = delta.days * 86_400 + delta.seconds
    text = _SECONDS.get(second)
    if text is None:
        if len(_SECONDS) >= _SECONDS_CACHED:
            _SECONDS.clear()
        text = (_EPOCH_NAIVE + dt.timedelta(seconds=second)).isoformat()
        _SECONDS[second] = text
    micro = delta.microseconds
    return text + _MILLIS[micro // 1000] + _MICROS[micro % 1000]


def parse_time(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def compact_json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def logs_json(logs: Iterable[LogRecord]) -> str:
    """Logs as ``[[at, level, message], ...]``, the JSON that `json.dumps` would write.

    Built from the C string encoder directly: ``json.dumps`` costs ~4 µs a call here.
    """
    return "[" + ",".join(
        f"[{_quote(iso(log.at))},{_quote(log.level)},{_quote(log.message)}]" for log in logs
    ) + "]"


def task_json(r: TaskRunRecord) -> str:
    """One task run as a JSON array, as ``json.dumps`` would write it but ~3x faster:
    ``[position, id, task, map_index, parent_id, state, message, result, run_count,
    started_at, ended_at, logs]``. Most task runs have no logs, and ``[]`` is free."""
    if type(r.position) is not int or (r.map_index is not None and type(r.map_index) is not int):
        raise ValueError(f"task run {r.id!r}: position and map_index must be integers")
    # ids that follow from (run, task, map index), as the engine makes them, are stored as
    # null: most of a chunk's bytes otherwise, and rebuilt when read.
    own = f"{r.flow_run_id}/{r.task}"
    index = r.map_index
    derived_id = own if index is None else f"{own}[{index}]"
    stored_id = "null" if r.id == derived_id else _quote(r.id)
    derived_parent = None if index is None else own
    stored_parent = "0" if r.parent_id == derived_parent else (
        "null" if r.parent_id is None else _quote(r.parent_id)
    )
    return (
        f"[{r.position},{stored_id},{_quote(r.task)},"
        f"{'null' if index is None else index},"
        f"{stored_parent},"
        f"{_quote(r.state)},{_quote(r.message)},{_quote(r.result)},{int(r.run_count)},"
        f"{_quoted_time(r.started_at)},{_quoted_time(r.ended_at)},"
        f"{logs_json(r.logs) if r.logs else '[]'}]"
    )


def _quoted_time(value: dt.datetime | None) -> str:
    return "null" if value is None else f'"{iso(value)}"'


def flow_run_from_row(row: tuple[Any, ...]) -> FlowRunRecord:
    (run_id, flow, version, parameters, state, message, scheduled, started, ended, graph,
     runner, summary) = row
    return FlowRunRecord(run_id, flow, version, json.loads(parameters), state, message,
                         parse_time(scheduled), parse_time(started), parse_time(ended),
                         json.loads(graph), runner, json.loads(summary))


def task_run_from_item(flow_run_id: str, item: list[Any]) -> TaskRunRecord:
    position, run_id, task, index, parent, state, message, result, count = item[:9]
    own = f"{flow_run_id}/{task}"
    if run_id is None:  # derived: see task_json
        run_id = own if index is None else f"{own}[{index}]"
    if parent == 0:
        parent = None if index is None else own
    logs = tuple(LogRecord(dt.datetime.fromisoformat(at), level, text)
                 for at, level, text in item[11])
    return TaskRunRecord(run_id, flow_run_id, task, index, parent, state, message, result,
                         count, parse_time(item[9]), parse_time(item[10]), position, logs)


def event_from_row(row: tuple[Any, ...]) -> EventRecord:
    flow_run_id, task_run_id, at, system, method, target, outcome, duration_ms = row
    return EventRecord(flow_run_id, task_run_id, dt.datetime.fromisoformat(at), system, method,
                       target, outcome, duration_ms)
