"""`marvin stats` reads one record per reminder run (its summary), not its task runs: on
both backends, counted on a wrapper around the history and, on Firestore, as document
reads through the intercept seam. Runs recorded before summaries still count, read in
full."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from marvin.reports.reminder_runs import reminder_runs
from marvin.reports.stats import reminders_needed_by_date
from marvin.store.firestore.calls import FirestoreCall
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord, RunDetail, TaskRunRecord, summarize
from tests.reports.test_stats import T0, run_reminder

DAYS = 30
CHILDREN = 20  # members checked per run: what reading the task runs would cost


class CountingHistory:
    """A `RunHistory` that counts the calls made to it (and passes them on)."""

    def __init__(self, history: RunHistory) -> None:
        self.history, self.calls = history, Counter[str]()

    def __getattr__(self, name: str) -> Any:
        self.calls[name] += 1
        return getattr(self.history, name)


def test_a_recorded_reminder_run_carries_the_summary_of_its_task_runs(
    history: RunHistory, tmp_path: Path
) -> None:
    [detail] = run_reminder(tmp_path, dt.datetime(2026, 6, 2, 7, 30, tzinfo=dt.UTC),
                            history=history)
    [header] = history.list_flow_runs()
    assert header.summary == summarize(detail.task_runs)  # the recorder's and the records' agree
    assert header.summary["tasks"]["is_reminder_needed"]["children"] == {
        "Success": 2, "Skipped": 1}
    without = RunDetail(dataclasses.replace(header, summary={}), detail.task_runs)
    assert reminders_needed_by_date("eng", [header]) == reminders_needed_by_date(
        "eng", [without]) == {"2026-06-02": 2}


def reminder_task(run_id: str, started: dt.datetime, position: int, slug: str, state: str,
                  index: int | None = None, result: str = "") -> TaskRunRecord:
    return TaskRunRecord(
        id=f"{run_id}/{slug}" + ("" if index is None else f"[{index}]"), flow_run_id=run_id,
        task=slug, map_index=index, parent_id=None if index is None else f"{run_id}/{slug}",
        state=state, message="", result=result, run_count=1, started_at=started,
        ended_at=started, position=position)


def month_of_runs(history: RunHistory, *, summaries_from: int = 0) -> None:
    """A reminder run a day for `DAYS` days, each checking `CHILDREN` members (the day's
    number of them needed a reminder); runs before day `summaries_from` were recorded
    before summaries were kept."""
    for day in range(DAYS):
        run_id = f"{day:032x}"
        started = T0 + dt.timedelta(days=day)
        date = started.date().isoformat()
        tasks = [reminder_task(run_id, started, 0, "get_standup_date", "Success", result=date),
                 reminder_task(run_id, started, 1, "is_reminder_needed", "Mapped"),
                 *(reminder_task(run_id, started, 2 + i, "is_reminder_needed",
                                 "Success" if i < day % CHILDREN else "Skipped", i)
                   for i in range(CHILDREN))]
        history.save_task_runs(tasks)
        history.save_flow_run(FlowRunRecord(
            id=run_id, flow="reminder", version="1", parameters={"team": "eng"},
            state="Success", message="", scheduled_at=started, started_at=started,
            ended_at=started + dt.timedelta(seconds=2),
            summary=summarize(tasks) if day >= summaries_from else {}))


EXPECTED = {(T0 + dt.timedelta(days=d)).date().isoformat(): d % CHILDREN for d in range(DAYS)}


def test_stats_over_a_month_reads_each_run_s_record_once_and_no_task_runs(
    history: RunHistory,
) -> None:
    month_of_runs(history)
    counting = CountingHistory(history)

    runs = reminder_runs(counting, {"eng"}, "2026-06-01")  # type: ignore[arg-type]

    assert counting.calls == Counter({"list_flow_runs": 1})  # no get_run: O(runs)
    assert reminders_needed_by_date("eng", runs) == EXPECTED


def test_runs_recorded_before_summaries_are_read_in_full_and_count_the_same(
    history: RunHistory,
) -> None:
    month_of_runs(history, summaries_from=27)
    counting = CountingHistory(history)

    runs = reminder_runs(counting, {"eng"}, "2026-06-01")  # type: ignore[arg-type]

    assert counting.calls == Counter({"list_flow_runs": 1, "get_run": 27})
    assert reminders_needed_by_date("eng", runs) == EXPECTED


class Unpaced:
    def acquire(self, writes: int) -> None:
        return None


def test_on_firestore_a_month_of_stats_is_one_query_of_one_document_per_run(
    firestore_project: str,
) -> None:
    reads: Counter[str] = Counter()

    def counting(call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
        result = proceed()
        reads[call.op] += 1
        reads["documents"] += len(result) if call.op == "query" else call.op == "get"
        return result

    history = FirestoreHistory(project=firestore_project, intercept=counting, pacer=Unpaced())
    try:
        month_of_runs(history)
        reads.clear()
        runs = reminder_runs(history, {"eng"}, "2026-06-01")
    finally:
        history.close()
    assert reads == Counter({"query": 1, "documents": DAYS})  # not DAYS * (2 + CHILDREN)
    assert reminders_needed_by_date("eng", runs) == EXPECTED
