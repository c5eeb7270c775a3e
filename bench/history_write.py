"""Run-history write benchmark: `save_task_runs` of 20,000 task runs, on SQLite or Firestore.

Run: ``python -m bench.history_write`` (``--records N``, ``--repeat R``); with
``--firestore``, on the Firestore emulator (FIRESTORE_EMULATOR_HOST, else one started
for the run), once paced by the 500/50/5 rule and once unpaced.

On Firestore it reports what production cares about: how long the run's task runs take
to write when paced as production asks (500 writes/s into a new range at first) against
unpaced, the rate sustained after the first batch of 500 (the pacer's first second), and
how spread the document ids are (the share of neighbours in key order whose positions
also rise: 1.0 is one sequential hot spot, about 0.5 is spread).

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
from typing import Any

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


class Unpaced:
    """No pacing: every batch goes as soon as the one before is written."""

    def acquire(self, writes: int) -> None:
        return None


def firestore_once(host: str, count: int, paced: bool, repetition: int) -> dict[str, float]:
    """Write `count` task runs of one run on the emulator at `host`; what it took."""
    from marvin.store.firestore.history import FirestoreHistory
    from marvin.store.firestore.pacing import RampUpPacer
    from tests.support import firestore_emulator as emulator

    project = f"bench-{'paced' if paced else 'unpaced'}-{repetition}-{os.getpid()}"
    commits: list[float] = []  # when each batch of 500 was sent

    def note(call: Any, proceed: Any) -> Any:
        if call.op == "commit":
            commits.append(time.perf_counter())
        return proceed()

    history = FirestoreHistory(project=project, intercept=note,
                               pacer=RampUpPacer() if paced else Unpaced())
    run_id = f"{repetition:032x}"
    try:
        records = task_runs(run_id, count)
        started = time.perf_counter()
        history.save_task_runs(records)
        wall = time.perf_counter() - started
        ids = [d.id for d in history.client.collection("flow_runs").document(run_id)
               .collection("task_runs").list_documents()]
    finally:
        history.close()
        emulator.clear(host, project)
    order = [int(i.rsplit("-", 1)[1]) for i in sorted(ids)]
    rising = sum(a < b for a, b in zip(order, order[1:], strict=False)) / max(1, len(order) - 1)
    # writes per second once the first batch (the bucket's first second) has gone
    sustained = (count - 500) / (commits[-1] - commits[0]) if len(commits) > 1 else 0.0
    return {"wall": wall, "rising": rising, "sustained": sustained, "saved": len(ids)}


def firestore_main(count: int, repeat: int) -> int:
    from tests.support import firestore_emulator as emulator

    with emulator.in_use() as host:
        print(f"FirestoreHistory.save_task_runs, {count:,} records, emulator {host}, "
              f"median of {repeat}, load average {os.getloadavg()[0]:.2f}")
        for paced in (False, True):
            runs = [firestore_once(host, count, paced, i) for i in range(repeat)]
            wall = statistics.median(r["wall"] for r in runs)
            print(f"{'paced (500/50/5)' if paced else 'unpaced':>17}: {wall:6.2f} s, "
                  f"{count / wall:5.0f} writes/s overall, "
                  f"{statistics.median(r['sustained'] for r in runs):5.0f} after the first "
                  "batch, "
                  f"ids rising in key order {statistics.median(r['rising'] for r in runs):.2f}, "
                  f"saved {min(r['saved'] for r in runs):.0f}/{count}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--firestore", action="store_true",
                        help="on the Firestore emulator, paced and unpaced")
    args = parser.parse_args(argv)
    if args.firestore:
        return firestore_main(args.records, args.repeat)
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
