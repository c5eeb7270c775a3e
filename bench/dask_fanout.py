"""Reminder fan-out on Dask against in-process executors: the same run, wired from settings.

Run: ``python -m bench.dask_fanout`` (defaults: ``--members 200 --latency 0.02 --repeats 3
--dask-threads 1 8``).

The reminder flow DMs N members through the Slack stand-in (each answer delayed by
``--latency`` seconds), on a SQLite file, recorded in the run history, built by
`marvin.app.open_marvin` as `marvin run` builds it, with ``MARVIN_EXECUTOR`` = ``local``,
``threads`` (``MARVIN_MAX_WORKERS=16``) or ``dask``. For Dask a LocalCluster of 2 worker
processes x T threads is started once, outside the timing, and named by
``MARVIN_DASK_ADDRESS`` (as a deployment names its cluster); its workers build their own
store and Slack client from the run's settings the first time they see them. A fresh
store per run, so every run sends all N reminders; the median of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.reminder_fanout import timed_reminder
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-bench"


@contextmanager
def dask_cluster(threads: int) -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=threads, processes=True,
                      dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address)


def run_once(standin: SlackStandIn, db: Path, members: int, executor: dict[str, Any]) -> float:
    """Seconds for one reminder run of `members` people; raises unless all were reminded."""
    standin.reset_calls()
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN, "slack_api_url": standin.url, "timezone": "UTC",
        "standup_time": "09:00", "standup_days": "mon-fri", "alert_channel": None,
        "store": f"sqlite:///{db}", **executor,
    }
    run, wall = timed_reminder(values, members)
    dms = sum(1 for m in standin.posted_messages() if str(m["channel"]).startswith("D"))
    if dms != members or run.state.name != "Success":
        raise RuntimeError(f"{executor}: {dms} of {members} reminded, run {run.state}")
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per Slack call")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dask-threads", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    print(f"reminder fan-out: {args.members} members, {args.latency * 1000:.0f} ms per Slack "
          f"call, SQLite, median of {args.repeats}, Python {sys.version.split()[0]}")
    print(f"{'executor':<28}{'median s':>10}{'DMs/s':>9}  runs s")
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        standin.set_latency(args.latency)

        def measure(name: str, executor: dict[str, Any]) -> None:
            walls = [run_once(standin, Path(tmp) / f"{name}-{i}.db".replace(" ", "_"),
                              args.members, executor) for i in range(args.repeats)]
            median = statistics.median(walls)
            shown = " ".join(f"{w:.2f}" for w in walls)
            print(f"{name:<28}{median:>10.2f}{args.members / median:>9.1f}  {shown}",
                  flush=True)

        measure("local", {"executor": "local"})
        measure("threads (16)", {"executor": "threads", "max_workers": 16})
        for threads in args.dask_threads:
            with dask_cluster(threads) as address:
                measure(f"dask (2 processes x {threads})",
                        {"executor": "dask", "dask_address": address})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
