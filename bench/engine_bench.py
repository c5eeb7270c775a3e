"""Engine overhead benchmark: per-task-run cost against a plain Python loop, same run.

Run: ``python -m bench.engine_bench`` (add ``--markdown`` for docs/benchmarks.md).

Workloads, each at N = 100, 1,000 and 10,000 (per-task cost must stay flat in N):
  W1  list(range(N)) -> mapped x+1 -> mapped y*2 -> sum
  W2  a chain of N copies of one task (run only; the flow is built once)
  W3  N mapped with SKIP on even items, and a downstream map that skips too
  B   the W2 chain built and run from scratch ("build+run", target <= 20 us per task at
      N = 10,000) and built only ("build only")
Overhead per task run = (median engine time - median plain-loop time) / task runs,
with states and run records kept (every TaskRun, its states and history). Build rows
have no plain loop: their cost is the whole time per task.

``--dask`` (needs the extra: ``pip install 'marvin-standup[dask]'``) instead compares,
in one run, W1 N = 1,000 and 10,000 on `DaskExecutor` (a LocalCluster of 2 worker
processes, 1 thread each) with `ThreadExecutor(8)` and with the same graph written in
plain ``dask.delayed`` and computed on the same cluster: Dask's own per-task cost is the
baseline the engine's Dask executor adds to.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marvin.engine import SKIP, Flow, LocalExecutor, ThreadExecutor, task


@task
def numbers(n: int) -> list[int]:
    return list(range(n))


@task
def inc(x: int) -> int:
    return x + 1


@task
def double(y: int) -> int:
    return y * 2


@task
def total(values: list[int]) -> int:
    return sum(values)


@task
def skip_even(x: int) -> int:
    if x % 2 == 0:
        raise SKIP("even")
    return x


@task
def step(x: int) -> int:
    return x + 1


def w1_flow(n: int) -> tuple[Flow, int]:
    with Flow(f"w1-{n}") as flow:
        total(double.map(inc.map(numbers(n))))
    return flow, 2 * n + 2


def w1_plain(n: int) -> Callable[[], object]:
    def run() -> object:
        xs = list(range(n))
        ys = [x + 1 for x in xs]
        zs = [y * 2 for y in ys]
        return sum(zs)

    return run


def w2_flow(length: int = 200) -> tuple[Flow, int]:
    with Flow("w2-chain") as flow:
        value = step(0)
        for _ in range(length - 1):
            value = step(value)
    return flow, length


def w2_plain(length: int = 200) -> Callable[[], object]:
    def run() -> object:
        value = 0
        for _ in range(length):
            value = value + 1
        return value

    return run


def repeats_for(n: int, repeat: int) -> int:
    """More runs for small flows: a 100-task run lasts about a millisecond, so one
    scheduler hiccup on a shared machine would otherwise decide its median."""
    if n >= 10000:
        return max(3, repeat // 2)
    return max(3, min(50, repeat * 1000 // n))


def build_rows(sizes: list[int], repeat: int) -> list[Row]:
    """The W2 chain built (and run) from scratch, per task; sizes taken in turns."""

    def build(n: int) -> Callable[[], object]:
        return lambda: w2_flow(n)[0]

    def build_and_run(n: int) -> Callable[[], object]:
        def run() -> object:
            result = w2_flow(n)[0].run()
            assert result.state.is_successful(), result.state
            return result

        return run

    rows = []
    for label, make in (("build only", build), ("build+run", build_and_run)):
        fns = [make(n) for n in sizes]
        for fn in fns:
            fn()  # warm up
        walls, cpus = interleaved_medians(fns, [repeats_for(n, repeat) for n in sizes])
        for n, wall, cpu in zip(sizes, walls, cpus, strict=True):
            name = f"B chain N={n:,} {label}"
            rows.append(Row(name, "local", n, wall * 1e3, 0.0, wall / n * 1e6, None, cpu / n * 1e6))
    return rows


def w3_flow(n: int = 1000) -> tuple[Flow, int]:
    with Flow("w3-skip") as flow:
        inc.map(skip_even.map(numbers(n)))
    return flow, 2 * n + 1


def w3_plain(n: int = 1000) -> Callable[[], object]:
    def run() -> object:
        return [x + 1 for x in range(n) if x % 2]

    return run


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@dataclass
class Row:
    workload: str
    executor: str
    task_runs: int
    engine_ms: float
    plain_ms: float
    overhead_us: float
    bytes_per_run: float | None = None
    cpu_us: float | None = None  # CPU time per task run (engine; no plain loop taken off)


def interleaved_medians(
    fns: list[Callable[[], object]], repeats: list[int]
) -> tuple[list[float], list[float]]:
    """Median wall and CPU seconds of each function, their runs taken in turns.

    Load on a shared machine changes over minutes: runs of one size taken back to back
    would carry that change into the size-to-size comparison flatness is about. CPU
    time (this process, all threads) is kept too: a 1 ms run often fits in one
    scheduler slice while a 300 ms run is always preempted by the other tenants, so
    wall time alone penalises the big runs for the machine, not for the engine."""
    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    for round_ in range(max(repeats)):
        for fn, wanted, wall, cpu in zip(fns, repeats, walls, cpus, strict=True):
            if round_ < wanted:
                gc.collect()
                start, start_cpu = time.perf_counter(), time.process_time()
                fn()
                cpu.append(time.process_time() - start_cpu)
                wall.append(time.perf_counter() - start)
    return [statistics.median(t) for t in walls], [statistics.median(t) for t in cpus]


def measure_sizes(
    name: str,
    make_flow: Callable[[int], tuple[Flow, int]],
    make_plain: Callable[[int], Callable[[], object]],
    sizes: list[int],
    repeat: int,
    executor: str,
) -> list[Row]:
    """One row per size, the sizes measured in turns (see `interleaved_medians`)."""
    built = [make_flow(n) for n in sizes]

    def engine_of(flow: Flow) -> Callable[[], object]:
        def engine() -> object:
            ex = ThreadExecutor(8) if executor == "threads" else LocalExecutor()
            result = flow.run(executor=ex)
            assert not result.state.is_failed(), result.state
            return result

        return engine

    engines = [engine_of(flow) for flow, _ in built]
    for engine in engines:
        engine()  # warm up
    repeats = [repeats_for(n, repeat) for n in sizes]
    engine_s, cpu_s = interleaved_medians(engines, repeats)
    plain_s = [median_seconds(make_plain(n), r * 5) for n, r in zip(sizes, repeats, strict=True)]
    rows = []
    for n, (_, runs), engine, e_s, p_s, c_s in zip(
        sizes, built, engines, engine_s, plain_s, cpu_s, strict=True
    ):
        bytes_per_run = None
        if executor == "local":
            gc.collect()
            tracemalloc.start()
            kept = engine()  # keep the records alive: memory of a run *with* its records
            current, _peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            bytes_per_run = current / runs
            del kept
        overhead = (e_s - p_s) / runs * 1e6
        rows.append(
            Row(
                f"{name} N={n:,}",
                executor,
                runs,
                e_s * 1e3,
                p_s * 1e3,
                overhead,
                bytes_per_run,
                c_s / runs * 1e6,
            )
        )
    return rows


FIRST_FLOW = (
    "from marvin.engine import Flow, task\n"
    "@task\ndef hello(): return 1\n"
    "with Flow('f') as f: hello()\n"
    "assert f.run().state.is_successful()"
)
"""What a user pays the first time: import, build and run a one-task flow."""


def import_time_ms(repeat: int = 21) -> dict[str, float]:
    """Median wall times (ms) of fresh interpreters: bare, `import marvin.engine`, and
    import + build + run a one-task flow; with bytecode cached (as after `pip install`)
    and compiling every module (as with PYTHONDONTWRITEBYTECODE and no cache)."""
    import compileall
    import os
    import tempfile
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "marvin"
    compileall.compile_dir(str(package), quiet=1)
    empty_cache = tempfile.mkdtemp(prefix="marvin-no-pycache-")

    def run(code: str, cold: bool = False) -> float:
        args = [sys.executable, *(["-X", f"pycache_prefix={empty_cache}"] if cold else []), "-c"]
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run([*args, code], check=True, env=env)
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e3

    return {
        "bare": run("pass"),
        "import": run("import marvin.engine"),
        "first_flow": run(FIRST_FLOW),
        "import_cold": run("import marvin.engine", cold=True),
    }


def w1_delayed(n: int) -> Any:
    """W1 in plain dask.delayed: the same functions, the list built here (no mapping)."""
    from dask.delayed import delayed

    inc_, double_, total_ = delayed(inc.fn), delayed(double.fn), delayed(total.fn)
    return total_([double_(inc_(x)) for x in range(n)])


@dataclass
class DaskRow:
    workload: str
    executor: str
    tasks: int
    seconds: float
    plain_s: float

    @property
    def overhead_us(self) -> float:
        return (self.seconds - self.plain_s) / self.tasks * 1e6


def dask_rows(sizes: list[int], repeat: int) -> list[DaskRow]:
    """W1 on DaskExecutor, ThreadExecutor and plain dask.delayed, on one LocalCluster."""
    from marvin.engine.dask_executor import DaskExecutor

    rows: list[DaskRow] = []
    with DaskExecutor(n_workers=2, processes=True, threads_per_worker=1) as ex:
        client: Any = ex.client  # partly typed
        warm, _ = w1_flow(100)
        warm.run(executor=ex)  # workers import the engine, the cluster warms up
        client.compute(w1_delayed(100)).result()
        for n in sizes:
            flow, runs = w1_flow(n)
            expected = 2 * sum(range(1, n + 1))
            times = 1 if n >= 10000 else repeat

            def engine_on(executor: Any, flow: Flow = flow, expected: int = expected) -> Any:
                def run() -> object:
                    result = flow.run(executor=executor)
                    assert result.result("total") == expected, result.state
                    return result

                return run

            def delayed(n: int = n, expected: int = expected) -> object:
                value = client.compute(w1_delayed(n)).result()
                assert value == expected
                return value

            plain_s = median_seconds(w1_plain(n), repeat * 5)
            label = f"W1 N={n:,}"
            dask_s = median_seconds(engine_on(ex), times)
            rows.append(DaskRow(label, "DaskExecutor", runs, dask_s, plain_s))
            delayed_s = median_seconds(delayed, times)
            rows.append(DaskRow(label, "dask.delayed", 2 * n + 1, delayed_s, plain_s))
            threads_s = median_seconds(engine_on(ThreadExecutor(8)), repeat)
            rows.append(DaskRow(label, "ThreadExecutor(8)", runs, threads_s, plain_s))
    return rows


def print_dask(rows: list[DaskRow], markdown: bool, repeat: int) -> None:
    header = [
        "workload",
        "executor",
        "tasks",
        "wall s",
        "overhead µs/task",
        "vs dask.delayed",
        "vs threads",
    ]
    table = []
    for r in rows:
        same = {x.executor: x for x in rows if x.workload == r.workload}
        table.append(
            [
                r.workload,
                r.executor,
                f"{r.tasks:,}",
                f"{r.seconds:.2f}",
                f"{r.overhead_us:,.0f}",
                f"{r.overhead_us / same['dask.delayed'].overhead_us:.2f}x",
                f"{r.overhead_us / same['ThreadExecutor(8)'].overhead_us:.1f}x",
            ]
        )
    _print_table(header, table, markdown)
    from importlib.metadata import version

    print(
        f"\nLocalCluster: 2 worker processes x 1 thread, dashboard off; dask {version('dask')}, "
        f"distributed {version('distributed')}; python {sys.version.split()[0]}; "
        f"median of {repeat} runs (1 run at N=10,000); overhead = (wall - plain loop) / tasks"
    )


def _print_table(header: list[str], table: list[list[str]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in table:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for line in table:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))


def print_flatness(rows: list[Row]) -> None:
    """Per-task cost at the largest N over the smallest, per workload and executor."""
    import re

    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((re.sub(r" N=[\d,]+", "", r.workload), r.executor), []).append(r)
    print()
    for (family, executor), group in groups.items():
        small, large = group[0], group[-1]
        if len(group) > 1 and small.overhead_us > 0 and small.cpu_us and large.cpu_us:
            print(
                f"flat? {family} ({executor}), largest N / smallest N per task: wall "
                f"{large.overhead_us / small.overhead_us:.2f}x, CPU "
                f"{large.cpu_us / small.cpu_us:.2f}x"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="skip N=10,000 and threads")
    parser.add_argument(
        "--dask", action="store_true", help="W1 on DaskExecutor vs threads vs dask.delayed"
    )
    args = parser.parse_args(argv)

    if args.dask:
        repeat = max(1, args.repeat // 2)
        compared = dask_rows([1000] if args.quick else [1000, 10000], repeat)
        print_dask(compared, args.markdown, repeat)
        return 0

    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    rows: list[Row] = []
    workloads: list[tuple[str, Callable[[int], tuple[Flow, int]], Callable[[int], Any]]] = [
        ("W1", w1_flow, w1_plain),
        ("W2 chain", w2_flow, w2_plain),
        ("W3 SKIP", w3_flow, w3_plain),
    ]
    for executor in ["local"] if args.quick else ["local", "threads"]:
        for name, make_flow, make_plain in workloads:
            rows += measure_sizes(name, make_flow, make_plain, sizes, args.repeat, executor)
    rows += build_rows(sizes, args.repeat)
    times = import_time_ms()

    header = [
        "workload",
        "executor",
        "task runs",
        "engine ms",
        "plain loop ms",
        "overhead µs/task run",
        "bytes/task run kept",
        "CPU µs/task run",
    ]
    table = [
        [
            r.workload,
            r.executor,
            f"{r.task_runs:,}",
            f"{r.engine_ms:.1f}",
            f"{r.plain_ms:.3f}",
            f"{r.overhead_us:.1f}",
            f"{r.bytes_per_run:,.0f}" if r.bytes_per_run else "-",
            f"{r.cpu_us:.1f}" if r.cpu_us is not None else "-",
        ]
        for r in rows
    ]
    _print_table(header, table, args.markdown)
    print_flatness(rows)
    print(
        f"\nimport marvin.engine: {times['import']:.1f} ms median wall time, bytecode cached "
        f"(bare interpreter {times['bare']:.1f} ms: the engine adds "
        f"{times['import'] - times['bare']:.1f} ms)"
    )
    print(f"import + build + run a one-task flow: {times['first_flow']:.1f} ms")
    cold = times["import_cold"]
    print(f"import marvin.engine compiling every module (no bytecode): {cold:.1f} ms")
    print(f"python {sys.version.split()[0]}, median of {args.repeat} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
