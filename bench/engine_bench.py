"""Engine overhead benchmark: per-task-run cost against a plain Python loop, same run.

Run: ``python -m bench.engine_bench`` (add ``--markdown`` for docs/benchmarks.md).

Workloads (issue #2):
  W1  list(range(N)) -> mapped x+1 -> mapped y*2 -> sum, N = 100, 1,000, 10,000
  W2  a chain of 200 tasks
  W3  N = 1,000 mapped with SKIP on even items, and a downstream map that skips too
Overhead per task run = (median engine time - median plain-loop time) / task runs,
with states and run records kept (every TaskRun, its states and history).
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


def measure(
    name: str, flow: Flow, runs: int, plain: Callable[[], object], repeat: int, executor: str
) -> Row:
    def engine() -> object:
        ex = ThreadExecutor(8) if executor == "threads" else LocalExecutor()
        result = flow.run(executor=ex)
        assert not result.state.is_failed(), result.state
        return result

    engine()  # warm up
    engine_s = median_seconds(engine, repeat)
    plain_s = median_seconds(plain, repeat * 5)
    bytes_per_run = None
    if executor == "local":
        gc.collect()
        tracemalloc.start()
        kept = engine()  # keep the records alive: memory of a run *with* its records
        current, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        bytes_per_run = current / runs
        del kept
    return Row(
        name,
        executor,
        runs,
        engine_s * 1e3,
        plain_s * 1e3,
        (engine_s - plain_s) / runs * 1e6,
        bytes_per_run,
    )


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="skip N=10,000 and threads")
    args = parser.parse_args(argv)

    sizes = [100, 1000] if args.quick else [100, 1000, 10000]
    rows: list[Row] = []
    for executor in ["local"] if args.quick else ["local", "threads"]:
        for n in sizes:
            flow, runs = w1_flow(n)
            repeat = max(3, args.repeat if n < 10000 else args.repeat // 2)
            rows.append(measure(f"W1 N={n:,}", flow, runs, w1_plain(n), repeat, executor))
        flow, runs = w2_flow()
        rows.append(measure("W2 chain 200", flow, runs, w2_plain(), args.repeat, executor))
        flow, runs = w3_flow()
        rows.append(measure("W3 N=1,000 SKIP", flow, runs, w3_plain(), args.repeat, executor))
    times = import_time_ms()

    header = [
        "workload",
        "executor",
        "task runs",
        "engine ms",
        "plain loop ms",
        "overhead µs/task run",
        "bytes/task run kept",
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
        ]
        for r in rows
    ]
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in table:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(h), *(len(line[i]) for line in table)) for i, h in enumerate(header)]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for line in table:
            print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
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
