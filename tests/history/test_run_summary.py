"""The recorder writes a run's summary into its record as the run ends; a result that
cannot even be described costs the summary, never the final header."""

from __future__ import annotations

from marvin.engine import Flow, LocalExecutor, task
from marvin.history.recorder import HistoryRecorder, recording
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.history import SqliteHistory


class Unprintable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def run_of(flow: Flow, history: RunHistory, run_id: str) -> None:
    recorder = HistoryRecorder(history, flow, flush_seconds=0)
    with recording(recorder):
        flow.run(recorder=recorder, run_id=run_id, executor=LocalExecutor())


def test_the_summary_counts_mapped_children_by_state(sqlite_history: SqliteHistory) -> None:
    @task
    def members() -> list[int]:
        return [1, 2, 3]

    @task
    def check(n: int) -> int:
        if n == 2:
            raise RuntimeError("no")
        return n

    with Flow("summarized") as flow:
        check.map(members())
    run_of(flow, sqlite_history, "sum-0001")

    [header] = sqlite_history.list_flow_runs()
    assert header.summary == {"tasks": {
        "members": {"state": "Success", "result": "[1, 2, 3]"},
        "check": {"state": "Mapped", "result": "", "children": {"Success": 2, "Failed": 1}},
    }}


def test_a_result_that_cannot_be_described_costs_the_summary_not_the_header(
    sqlite_history: SqliteHistory,
) -> None:
    @task
    def odd() -> Unprintable:
        return Unprintable()

    with Flow("odd") as flow:
        odd()
    run_of(flow, sqlite_history, "odd-0001")

    [header] = sqlite_history.list_flow_runs()
    assert header.state == "Success" and header.ended_at is not None
    assert header.summary == {}
