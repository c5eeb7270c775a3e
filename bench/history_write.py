"""Run-history write benchmark: `SqliteHistory.save_task_runs` of 20,000 task runs.

Run: ``python -m bench.history_write`` (``--records N``, ``--repeat R``).

The records look like a big reminder run's: a few plain task runs, then mapped children
(map_index, parent_id), each with start and end times 1 ms apart, a short result, and one
log line on every tenth. Each repetition writes into a fresh database file, as the
recorder does once per flow run; the median of the repetitions is reported in µs/record,
as wall-clock time and as this process's CPU time (the machine is shared: under load, the
wall clock also counts time spent waiting for a CPU).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

from marvin.store.run_records import LogRecord, TaskRunRecord
from marvin.store.sqlite.history import SqliteHistory

T0 = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
PLAIN = ("get_standup_date", "get_team", "get_updates")


def task_runs(run_id: str, count: int) -> list[TaskRunRecord]:
    """`count` records of one flow run: the plain tasks, then mapped children."""
    records = []
    for position in range(count):
        plain = position < len(PLAIN)
        index = None if plain else position - len(PLAIN)
        slug = PLAIN[position] if plain else "send_reminder"
        started = T0 + dt.timedelta(milliseconds=position)
        logs = () if position % 10 else (LogRecord(started, "INFO", f"reminded U{position:06d}"),)
        records.append(TaskRunRecord(
            id=f"{run_id}/{slug}" if plain else f"{run_id}/{slug}[{index}]",
            flow_run_id=run_id, task=slug, map_index=index,
            parent_id=None if plain else f"{run_id}/{slug}", state="Success", message="",
            result="'ok'", run_count=1, started_at=started,
            ended_at=started + dt.timedelta(microseconds=850), position=position, logs=logs,
        ))
    return records


def time_once(folder: Path, count: int, repetition: int) -> tuple[float, float]:
    """(wall, CPU) seconds for one `save_task_runs` of `count` records into a fresh database."""
    history = SqliteHistory(str(folder / f"history-{repetition}.db"))
    try:
        records = task_runs(f"{repetition:032x}", count)
        wall, cpu = time.perf_counter(), time.process_time()
        history.save_task_runs(records)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        history.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        times = [time_once(Path(folder), args.records, i) for i in range(args.repeat)]
    wall = [w / args.records * 1e6 for w, _ in times]
    cpu = [c / args.records * 1e6 for _, c in times]
    print(f"save_task_runs, {args.records:,} records, median of {args.repeat}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("wall µs/record: " + ", ".join(f"{us:.2f}" for us in wall))
    print(f"median: {statistics.median(wall):.2f} µs/record wall, "
          f"{statistics.median(cpu):.2f} µs/record CPU "
          f"({statistics.median(w for w, _ in times) * 1000:.1f} ms per call)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
