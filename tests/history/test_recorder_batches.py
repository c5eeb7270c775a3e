"""The recorder writes a run as it goes, so a run that never ends still shows what it did.

A task in the flow looks at the run history while the run is still going: what the tasks
before it did must already be there (task runs and events), in batches of `flush_every`
task runs, or after `flush_seconds` from the background thread. On SQLite and Firestore.
A SIGKILLed `marvin run reminder` is tried in tests/reliability/test_kill_mid_run.py.
"""

from __future__ import annotations

import time
from typing import Any

from marvin.engine import Flow, LocalExecutor, Parameter, ThreadExecutor, task
from marvin.history.recorder import HistoryRecorder, emit_event, position_of, recording
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.history import SqliteHistory

RUN = "ba7c4e5" + "0" * 25
WAIT = 30.0  # seconds: a bound on waiting for the background batch, never a timing


class Peek:
    """What the history held for the run, seen from inside the run."""

    def __init__(self, history: RunHistory, wait_for: int = 0) -> None:
        self.history = history
        self.wait_for = wait_for
        self.task_runs: list[Any] = []
        self.events: list[Any] = []

    def __call__(self) -> None:
        deadline = time.monotonic() + WAIT
        while True:
            detail = self.history.get_run(RUN)
            assert detail is not None  # the header is written when the run starts
            self.task_runs, self.events = detail.task_runs, detail.events
            if len(self.task_runs) >= self.wait_for or time.monotonic() > deadline:
                return
            time.sleep(0.02)


def peeking_flow(peek: Peek) -> Flow:
    @task
    def items(count: int) -> list[int]:
        return list(range(count))

    @task
    def send(n: int) -> int:
        emit_event("slack", "chat.postMessage", f"D{n}", "ok", 0.001)
        return n

    @task
    def look(sent: list[int]) -> int:
        peek()
        return len(sent)

    with Flow("peeking") as flow:
        look(send.map(items(Parameter("count"))))
    return flow


def run(flow: Flow, history: RunHistory, count: int, **options: Any) -> Any:
    recorder = HistoryRecorder(history, flow, **options)
    with recording(recorder):
        result = flow.run(parameters={"count": count}, recorder=recorder, run_id=RUN,
                          executor=LocalExecutor())
    assert result.state.is_successful(), result.state
    return result


def test_task_runs_and_events_are_written_in_batches_while_the_run_goes(
    history: RunHistory,
) -> None:
    peek = Peek(history)
    flow = peeking_flow(peek)

    run(flow, history, 10, flush_every=4, flush_seconds=0)

    # count, items and the 10 children finished before `look`; batches go every 4 task
    # runs or 4 events, so all but the last (partial) batch's are there already
    assert len(peek.task_runs) >= 12 - 3
    seen = [(t.task, t.map_index) for t in peek.task_runs]
    assert seen == [("count", None), ("items", None), *(("send", i) for i in range(len(seen) - 2))]
    assert len(peek.events) >= 10 - 3  # events go with the batches too
    detail = history.get_run(RUN)
    assert detail is not None and detail.run.state == "Success"
    assert len(detail.task_runs) == 14 and len(detail.events) == 10
    assert [t.task for t in detail.task_runs][:3] == ["count", "items", "send"]  # run order
    assert detail.task_runs[2].map_index is None and detail.task_runs[-1].task == "look"


def test_a_slow_run_is_written_every_flush_seconds_without_waiting_for_a_full_batch(
    history: RunHistory,
) -> None:
    peek = Peek(history, wait_for=12)  # waits (bounded) until the background batch lands
    flow = peeking_flow(peek)

    run(flow, history, 10, flush_every=10_000, flush_seconds=0.05)

    assert len(peek.task_runs) == 12
    assert {e.target for e in peek.events} == {f"D{n}" for n in range(10)}


def test_without_flushing_nothing_shows_before_the_end(history: RunHistory) -> None:
    """The check above can fail: with no batch due, the run's record stays empty."""
    peek = Peek(history)
    run(peeking_flow(peek), history, 10, flush_every=10_000, flush_seconds=0)
    assert peek.task_runs == [] and peek.events == []


def test_threads_finishing_in_any_order_still_read_back_in_run_order(
    sqlite_history: SqliteHistory,
) -> None:
    peek = Peek(sqlite_history)
    flow = peeking_flow(peek)
    recorder = HistoryRecorder(sqlite_history, flow, flush_every=3, flush_seconds=0)
    result = flow.run(parameters={"count": 50}, recorder=recorder, run_id=RUN,
                      executor=ThreadExecutor(8))
    assert result.state.is_successful()

    detail = sqlite_history.get_run(RUN)
    assert detail is not None
    children = [t for t in detail.task_runs if t.map_index is not None]
    assert [t.map_index for t in children] == list(range(50))
    assert [t.position for t in detail.task_runs] == sorted(t.position for t in detail.task_runs)
    assert detail.task_runs[2].position == position_of(2, None)


def test_a_batch_that_fails_is_written_with_the_next_one(sqlite_history: SqliteHistory) -> None:
    class Flaky:
        """A history whose first task-run batch fails, as a store that blinks does."""

        def __init__(self, inner: SqliteHistory) -> None:
            self.inner, self.failed = inner, False

        def save_task_runs(self, runs: Any) -> None:
            if not self.failed:
                self.failed = True
                raise OSError("blink")
            self.inner.save_task_runs(runs)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    peek = Peek(sqlite_history)
    flaky: Any = Flaky(sqlite_history)
    run(peeking_flow(peek), flaky, 10, flush_every=4, flush_seconds=0)

    detail = sqlite_history.get_run(RUN)
    assert flaky.failed and detail is not None and len(detail.task_runs) == 14
    assert len(detail.events) == 10


def test_task_runs_the_engine_never_reported_are_written_at_the_end(
    sqlite_history: SqliteHistory,
) -> None:
    """After an engine error not every task run is reported finished: the end writes
    them all, replacing (never doubling) those already written."""

    class Forgetful(HistoryRecorder):
        def task_run_finished(self, run: Any) -> None:
            if run.map_index not in (3, 7):
                super().task_run_finished(run)

    peek = Peek(sqlite_history)
    flow = peeking_flow(peek)
    recorder = Forgetful(sqlite_history, flow, flush_every=4, flush_seconds=0)
    assert flow.run(parameters={"count": 10}, recorder=recorder, run_id=RUN).state.is_successful()

    detail = sqlite_history.get_run(RUN)
    assert detail is not None and len(detail.task_runs) == 14
    assert [t.map_index for t in detail.task_runs if t.map_index is not None] == list(range(10))
