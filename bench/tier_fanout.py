"""Fan-out shaped to Slack's tiers: reminders to 1,000 members across 3 workspaces at once.

Run: ``python -m bench.tier_fanout`` (defaults: ``--members 1000 --workspaces 3
--latency 0.1 --runs 3 --workers 16``).

One local Slack stand-in plays Slack for every workspace (one bot token each), enforcing
Slack's rate tiers per token and method (``SlackStandIn(tiers=True)``: 429 + Retry-After
past a limit) and answering every call after ``--latency`` seconds. Each workspace runs
the reminder flow end to end as in production (`marvin.app.open_marvin`: the real
`SlackWebChat`, a SQLite store, the run recorded, ``MARVIN_EXECUTOR=threads``), all
workspaces at the same time, each with its members split evenly.

Reported, as the median of ``--runs`` runs:

- calls per DM: every Web API call of the runs / DMs sent (target 1.0: one
  ``chat.postMessage`` to the user id, no ``conversations.open``);
- 429s: calls the stand-in refused for the tiers (target 0: the client paces itself);
- wall time against the bound the tiers set. A workspace's N DMs are N posts to N
  different DMs, so the per-channel limit never binds and the workspace-wide post budget
  does: a burst of B at once, then R a second, the last answered `latency` later, so
  ``bound = max over workspaces of max(0, N - B) / R + latency`` (B, R from
  `marvin.slack.rate_limits.POST_WORKSPACE`); workspaces have their own budgets, so they
  overlap. ``ratio = wall / bound`` (target <= 1.1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marvin.app import open_marvin
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.settings import Settings
from marvin.slack.rate_limits import POST_WORKSPACE
from marvin.testing.slack_api import SlackStandIn

NOW = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)  # Monday's reminder slot


@dataclass(frozen=True)
class Result:
    wall_s: float
    bound_s: float
    dms: int
    calls: int
    limited: int
    states: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.wall_s / self.bound_s

    @property
    def calls_per_dm(self) -> float:
        return self.calls / self.dms if self.dms else float("inf")


def tier_bound(per_workspace: list[int], latency: float) -> float:
    """Seconds the workspace-wide post budget needs for the largest workspace's DMs."""
    burst, rate = POST_WORKSPACE.burst, POST_WORKSPACE.per_second
    return max(max(0, n - burst) / rate for n in per_workspace) + latency


def split(members: int, workspaces: int) -> list[int]:
    return [members // workspaces + (1 if i < members % workspaces else 0)
            for i in range(workspaces)]


def run_once(folder: Path, sizes: list[int], latency: float, workers: int, run: int) -> Result:
    """One run: a fresh stand-in (fresh tiers) and a fresh store per workspace."""
    with SlackStandIn(latency=latency, tiers=True) as standin, ExitStack() as stack:
        marvins = []
        for w, size in enumerate(sizes):
            values: dict[str, Any] = {
                # a token per workspace and per run: the process's shared limiter starts
                # every run afresh, as the stand-in does
                "slack_bot_token": f"xoxb-bench-{run}-{w}", "slack_api_url": standin.url,
                "timezone": "UTC", "standup_time": "09:00", "standup_days": "mon-fri",
                "alert_channel": None, "store": f"sqlite:///{folder / f'tiers-{run}-{w}.db'}",
                "executor": "threads", "max_workers": workers,
            }
            settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
            marvin = stack.enter_context(open_marvin(settings, now=lambda: NOW))
            for i in range(size):
                marvin.store.save_member(Member(user_id=f"U{w}{i:05d}", team=DEFAULT_TEAM))
            marvin.prepare_runs()  # the Slack client, executor and history, untimed
            marvins.append(marvin)
        states: list[str] = ["?"] * len(marvins)

        def remind(w: int) -> None:
            states[w] = marvins[w].run_flow("reminder", {"team": DEFAULT_TEAM}).state.name

        threads = [threading.Thread(target=remind, args=(w,)) for w in range(len(marvins))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        dms = len(standin.posted_messages())
        return Result(wall, tier_bound(sizes, latency), dms, len(standin.calls),
                      standin.rate_limited, tuple(states))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--workspaces", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds per Slack call")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16, help="threads per workspace's run")
    args = parser.parse_args(argv)
    if min(args.members, args.workspaces, args.runs, args.workers) < 1 or args.latency < 0:
        parser.error("counts must be >= 1 and --latency >= 0")
    sizes = split(args.members, args.workspaces)
    print(f"tier fan-out: {args.members} members in {args.workspaces} workspaces {sizes}, "
          f"{args.latency * 1000:.0f} ms per call, tiers enforced, Python "
          f"{sys.version.split()[0]}")
    print(f"{'run':>3}  {'wall s':>7}  {'bound s':>7}  {'ratio':>5}  {'calls/DM':>8}  "
          f"{'429s':>4}  {'DMs':>5}  flows")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            r = run_once(Path(tmp), sizes, args.latency, args.workers, n)
            results.append(r)
            print(f"{n + 1:>3}  {r.wall_s:>7.2f}  {r.bound_s:>7.2f}  {r.ratio:>5.2f}  "
                  f"{r.calls_per_dm:>8.2f}  {r.limited:>4}  {r.dms:>5}  {','.join(r.states)}",
                  flush=True)
    print(f"median: wall {statistics.median(r.wall_s for r in results):.2f} s, "
          f"ratio {statistics.median(r.ratio for r in results):.2f}, "
          f"calls/DM {statistics.median(r.calls_per_dm for r in results):.2f}, "
          f"429s {statistics.median(r.limited for r in results):.0f}")
    print("bound = max over workspaces of max(0, N - burst) / rate + latency, the "
          f"workspace post budget being {POST_WORKSPACE.per_minute:.0f}/min with bursts "
          f"of {POST_WORKSPACE.burst}")
    failed = any(r.dms != args.members or set(r.states) != {"Success"} for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
