"""Run-history recording cost: the engine with and without a SQLite recorder, one run.

Run: ``python -m bench.recording_overhead`` (``--n`` items, ``--repeat`` runs).

Issue #4's target: recording must add no more than 2x to the engine's per-task
overhead. Measured on W1 (N items -> mapped x+1 -> mapped y*2 -> sum): per-task
overhead without a recorder, with `HistoryRecorder(SqliteHistory)` (every task run,
state, result summary and log written to SQLite in batches as the run goes), and the
ratio.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.engine_bench import median_seconds, w1_flow, w1_plain
from marvin.engine import LocalExecutor
from marvin.history.recorder import HistoryRecorder
from marvin.store.sqlite.history import SqliteHistory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)

    flow, runs = w1_flow(args.n)
    with tempfile.TemporaryDirectory() as folder:
        history = SqliteHistory(str(Path(folder) / "bench.db"))

        def bare() -> object:
            return flow.run(executor=LocalExecutor())

        def recorded() -> object:
            return flow.run(executor=LocalExecutor(), recorder=HistoryRecorder(history, flow))

        bare()
        recorded()  # warm up both (and create the tables)
        plain = median_seconds(w1_plain(args.n), args.repeat * 5)
        samples_bare, samples_recorded = [], []
        for _ in range(args.repeat):  # interleaved, so drift hits both alike
            gc.collect()
            start = time.perf_counter()
            bare()
            samples_bare.append(time.perf_counter() - start)
            gc.collect()
            start = time.perf_counter()
            recorded()
            samples_recorded.append(time.perf_counter() - start)
        history.close()
    engine = (statistics.median(samples_bare) - plain) / runs * 1e6
    with_history = (statistics.median(samples_recorded) - plain) / runs * 1e6
    print(f"W1 N={args.n:,} ({runs:,} task runs), median of {args.repeat}, "
          f"python {sys.version.split()[0]}")
    print(f"  engine overhead, no recorder:      {engine:6.1f} µs/task run")
    print(f"  engine overhead, SQLite recorder:  {with_history:6.1f} µs/task run")
    print(f"  recording itself:                  {with_history - engine:6.1f} µs/task run")
    print(f"  ratio: {with_history / engine:.2f}x (target <= 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
