"""Reminder fan-out benchmark: the reminder flow DMing N members through a slow Slack.

Run: ``python -m bench.reminder_fanout`` (defaults: ``--members 1000 --latency 0.1
--workers 16 32 64``).

Each member's reminder is one Web API call (``chat.postMessage`` to the user id)
to the local Slack stand-in, which delays every answer by ``--latency`` seconds. The flow
runs end to end as in production, wired by `marvin.app.open_marvin` from settings: the real
`SlackWebChat` (slack-sdk over HTTP), a SQLite store with a delivery claim per member, the
run recorded in the history, ``MARVIN_EXECUTOR=threads`` with ``MARVIN_MAX_WORKERS=W``.
With perfect overlap the run cannot beat ``bound = N × 1 call × latency / W``, nor the
time Slack's post budget for one workspace takes (`bench.tier_fanout.tier_bound`),
whichever is longer; ``ratio = wall / bound`` says how close it gets (1.00 is ideal; the
rest is engine, HTTP and store overhead).
A fresh store per W, so every run sends all N reminders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.tier_fanout import tier_bound
from marvin.app import open_marvin
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.engine import FlowRun
from marvin.settings import Settings
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-bench"
CALLS_PER_MEMBER = 1
NOW = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)  # Monday's reminder slot


@dataclass(frozen=True)
class Result:
    workers: int
    wall_s: float
    bound_s: float
    dms: int
    state: str

    @property
    def ratio(self) -> float:
        return self.wall_s / self.bound_s


def run_once(
    standin: SlackStandIn, folder: Path, members: int, latency: float, workers: int
) -> Result:
    """Remind `members` people with `workers` threads; a fresh store and stand-in record."""
    standin.reset()
    standin.set_latency(latency)
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN, "slack_api_url": standin.url, "timezone": "UTC",
        "standup_time": "09:00", "standup_days": "mon-fri", "alert_channel": None,
        "store": f"sqlite:///{folder / f'fanout-{workers}.db'}",
        "executor": "threads", "max_workers": workers,
    }
    run, wall = timed_reminder(values, members)
    dms = sum(1 for m in standin.posted_messages() if str(m["channel"]).startswith("D"))
    bound = max(members * CALLS_PER_MEMBER * latency / workers, tier_bound([members], latency))
    return Result(workers, wall, bound, dms, run.state.name)


def timed_reminder(values: dict[str, Any], members: int) -> tuple[FlowRun, float]:
    """The default team of `members` reminded once by a Marvin built from `values` (the
    Settings fields), and the run's wall time (members and start-up outside the timing)."""
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    with open_marvin(settings, now=lambda: NOW) as marvin:
        for i in range(members):
            marvin.store.save_member(Member(user_id=f"U{i:06d}", team=DEFAULT_TEAM))
        marvin.prepare_runs()  # the Slack client, executor and history, outside the timing
        started = time.perf_counter()
        run = marvin.run_flow("reminder", {"team": DEFAULT_TEAM})
        return run, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000, help="team size (default 1000)")
    parser.add_argument(
        "--latency", type=float, default=0.1, help="seconds per Slack call (default 0.1)"
    )
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[16, 32, 64],
        help="ThreadExecutor sizes to try (default 16 32 64)",
    )
    args = parser.parse_args(argv)
    if args.members < 1 or args.latency <= 0 or min(args.workers) < 1:
        parser.error("--members and --workers must be >= 1 and --latency > 0")

    print(
        f"reminder fan-out: {args.members} members x {CALLS_PER_MEMBER} calls, "
        f"{args.latency * 1000:.0f} ms per call, SQLite store, Python "
        f"{sys.version.split()[0]}"
    )
    columns = ("workers", 7), ("wall s", 8), ("bound s", 8), ("ratio", 6), ("DMs/s", 7), ("DMs", 5)
    header = "  ".join(f"{name:>{width}}" for name, width in columns) + "  flow"
    print(header)
    print("-" * len(header))
    failures = 0
    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        for workers in args.workers:
            r = run_once(standin, Path(tmp), args.members, args.latency, workers)
            print(
                f"{r.workers:>7}  {r.wall_s:>8.2f}  {r.bound_s:>8.2f}  {r.ratio:>6.2f}  "
                f"{r.dms / r.wall_s:>7.1f}  {r.dms:>5}  {r.state}",
                flush=True,
            )
            if r.dms != args.members or r.state != "Success":
                failures += 1
    print("bound = the longer of members x calls x latency / workers and the workspace post "
          "budget's time (bench.tier_fanout); ratio = wall / bound (1.00 is ideal)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
