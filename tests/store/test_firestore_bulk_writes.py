"""Bulk run-history writes on Firestore: paced by the 500/50/5 rule, ids spread over the key
range, and no field of a task run or an event indexed (production's 500 writes/s limit for
steadily growing indexed values). Pacing is seen through the public `pacer` seam and a
fake clock, never timed."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from marvin.store.firestore.calls import FirestoreCall
from marvin.store.firestore.history import FirestoreHistory, task_run_id
from marvin.store.firestore.indexes import QUERIES
from marvin.store.firestore.pacing import RampUpPacer
from marvin.store.run_records import LogRecord
from tests.store.history_records import RUN, T0, event, flow_run, task_run
from tests.support.firestore_faults import FirestoreFaults

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / "firestore.indexes.json").read_text())


class FakeTime:
    """A clock that only moves when slept on: what the pacer would have waited, exactly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def pacer_on(clock: FakeTime) -> RampUpPacer:
    return RampUpPacer(clock=lambda: clock.now, sleep=clock.sleep)


# The pacer -------------------------------------------------------------------------------
def test_the_first_second_s_500_writes_go_at_once_then_500_a_second() -> None:
    clock = FakeTime()
    pacer = pacer_on(clock)
    for _ in range(40):  # a 20,000-task run, in batches of 500
        pacer.acquire(500)
    assert clock.slept == [1.0] * 39  # 20,000 writes take 39 s at 500/s after the first 500


def test_the_rate_grows_by_half_every_five_minutes_of_sustained_writing() -> None:
    clock = FakeTime()
    pacer = pacer_on(clock)
    while clock.now < 300:
        pacer.acquire(500)
    assert pacer.rate() == 750
    while clock.now < 600:
        pacer.acquire(500)
    assert pacer.rate() == 1125
    clock.now += 301  # a pause longer than a phase: the range has cooled down
    pacer.acquire(1)
    assert pacer.rate() == 500


def test_writers_in_several_threads_share_one_allowance() -> None:
    clock = FakeTime()
    pacer = pacer_on(clock)
    pacer.acquire(300)
    pacer.acquire(300)  # 100 over the first second's 500
    assert clock.slept == [0.2]


# On the emulator -------------------------------------------------------------------------
class RecordingPacer:
    """A pacer that waits for nothing and notes each batch it was asked about."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.log = log

    def acquire(self, writes: int) -> None:
        self.log.append(("paced", writes))


def test_a_big_run_s_task_runs_are_paced_spread_and_saved_correctly(
    firestore_project: str,
) -> None:
    log: list[tuple[str, int]] = []
    faults = FirestoreFaults()

    def noting(call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        if call.op == "commit":
            log.append(("commit", call.writes))
        return faults(call, proceed)

    history = FirestoreHistory(project=firestore_project, intercept=noting,
                               pacer=RecordingPacer(log))
    try:
        history.save_flow_run(flow_run())
        records = [task_run(i, slug="send_reminder", index=i) for i in range(2000)]
        history.save_task_runs(records)
        saved = history.get_run(RUN)
        ids = [d.id for d in history.client.collection("flow_runs").document(RUN)
               .collection("task_runs").list_documents()]
    finally:
        history.close()

    assert log == [("paced", 500), ("commit", 500)] * 4  # each batch waits for the pacer
    assert saved is not None and saved.task_runs == records  # all back, in position order
    in_key_order = [int(i.rsplit("-", 1)[1]) for i in sorted(ids)]
    assert sorted(in_key_order) == list(range(2000))
    rising = sum(a < b for a, b in zip(in_key_order, in_key_order[1:], strict=False))
    assert 0.3 < rising / 1999 < 0.7  # spread: about half the neighbours in order, not all


def test_task_run_ids_are_unique_and_not_in_position_order() -> None:
    ids = [task_run_id(p) for p in range(100_000)]
    assert len(set(ids)) == len(ids)
    assert sorted(ids) != ids


def test_every_history_field_not_queried_is_exempt_from_indexing(
    firestore_history: FirestoreHistory,
) -> None:
    """Read back what the history really writes: every field either serves a declared query
    or is exempted in firestore.indexes.json (the checker refuses exempting a queried one)."""
    logged = dataclasses.replace(task_run(0), logs=(LogRecord(T0, "INFO", "hi"),))
    firestore_history.save_flow_run(flow_run())
    firestore_history.save_task_runs([logged])
    firestore_history.save_events([event(0)])
    run = firestore_history.client.collection("flow_runs").document(RUN)
    written = {"flow_runs": set(run.get().to_dict())}
    for sub in ("task_runs", "events"):
        [doc] = list(run.collection(sub).stream())
        written[sub] = set(doc.to_dict())

    queried = {(q.collection, f) for q in QUERIES for f, _ in (*q.filters, *q.order)}
    exempt = {(o["collectionGroup"], o["fieldPath"]) for o in CONFIG["fieldOverrides"]
              if o.get("indexes") == []}
    indexed = {(group, f) for group, fields in written.items() for f in fields} - exempt
    assert indexed <= queried
    assert indexed == {("flow_runs", "flow"), ("flow_runs", "started_at"), ("flow_runs", "state")}
