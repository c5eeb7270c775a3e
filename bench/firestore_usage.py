"""Firestore usage benchmark: document reads, writes and deletes of a standup day, counted.

Run: ``python -m bench.firestore_usage`` (``--members 10 50``); on the Firestore
emulator (FIRESTORE_EMULATOR_HOST, else one started for the run).

One standup day for a team of N, end to end on the production wiring: the scheduler's
catch-up runs the reminder flow at 08:30 (half the team has posted) and the standup flow
at 09:00 (everyone has), each recorded in the run history; every member posts one
`/standup` (with the replay guard's note Slack's request leaves); the hourly housekeeping
(closing dead runs, pruning) runs 24 times, and the Docker image's health probe 2,880
times (every 30 s). Slack is the in-repo stand-in. Every call
goes through the intercept seam of the store and of the history, and is counted as
Firestore bills it: a ``get`` is one read, a query one read per document returned (one
if none), each write or delete of a commit one write or delete.

The day is run twice, so the second counts a steady day (yesterday's slot claims exist).
Retention then deletes, each day, what a day wrote to the history `--retention` days ago
(and reads each of those documents once, to find them): the history's writes come back
as deletes and reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marvin.app import build_executor, build_services, run_flow
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.engine import FlowRun
from marvin.interactions.standup_command import handle_standup
from marvin.scheduler import FlowScheduler
from marvin.settings import Settings
from marvin.store.firestore.calls import FirestoreCall
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.store import FirestoreStore
from marvin.testing.slack_api import SlackStandIn
from marvin.web.serve import check_health
from tests.support import firestore_emulator as emulator

FREE_READS, FREE_WRITES, FREE_DELETES = 50_000, 20_000, 20_000  # per day, per database
MONDAY = dt.date(2026, 6, 8)
FLOWS = ("reminder", "standup")
HEALTH_PROBES = 24 * 60 * 2  # the Docker image's HEALTHCHECK: GET /healthz every 30 s


@dataclass
class Usage:
    """Billed operations, by what caused them."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (part, op) -> n
    part: str = "setup"
    kind: str = ""  # what the history is writing: "runs", "task runs" or "events"

    def interceptor(self, backend: str) -> Callable[[FirestoreCall, Callable[[], Any]], Any]:
        def count(call: FirestoreCall, proceed: Callable[[], Any]) -> Any:
            result = proceed()
            key = f"{self.part}/{backend}" + (f" {self.kind}" if self.kind else "")
            if call.op in ("get", "query"):
                found = len(result) if call.op == "query" else 1
                self.counts[(key, "reads")] += max(1, found)
            elif call.op == "get_all":  # every document asked for, found or not
                self.counts[(key, "reads")] += call.reads
            elif call.op == "commit":
                self.counts[(key, "writes")] += call.writes - call.deletes
                self.counts[(key, "deletes")] += call.deletes
            elif call.op == "delete":
                self.counts[(key, "deletes")] += 1
            else:
                self.counts[(key, "writes")] += 1
            return result
        return count

    def total(self, op: str, prefix: str = "") -> int:
        return sum(n for (key, o), n in self.counts.items() if o == op and key.startswith(prefix))


class CountedHistory(FirestoreHistory):
    """Tells the counts which kind of history document each write is."""

    usage: Usage

    def save_flow_run(self, run: Any) -> None:
        self._as("runs", super().save_flow_run, run)

    def save_task_runs(self, runs: Any) -> None:
        self._as("task runs", super().save_task_runs, runs)

    def save_events(self, events: Any) -> None:
        self._as("events", super().save_events, events)

    def _as(self, kind: str, save: Callable[[Any], None], records: Any) -> None:
        self.usage.kind = kind
        try:
            save(records)
        finally:
            self.usage.kind = ""


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime.combine(MONDAY, dt.time(7, 0), dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.at


def one_day(usage: Usage, day: dt.date, members: list[str], clock: Clock,
            store: FirestoreStore, history: FirestoreHistory, settings: Settings) -> None:
    """Posts, the two scheduled runs and the housekeeping of one standup day."""
    services = build_services(settings, store, now=clock)
    executor = build_executor(settings)

    def run(flow: str, params: dict[str, Any], at: dt.datetime) -> FlowRun:
        return run_flow(flow, params, services, executor=executor, scheduled_start=at,
                        history=history)

    scheduler = FlowScheduler(store, settings, run=run, now=clock, history=history)
    half = len(members) // 2

    def post(user_ids: list[str], at: dt.time) -> None:
        usage.part = "posts"
        clock.at = dt.datetime.combine(day, at, dt.UTC)
        for user_id in user_ids:
            store.remember_request(f"{user_id}-{day}", clock.at, clock.at + dt.timedelta(
                minutes=10))  # the replay guard, one note per Slack request
            handle_standup(store, settings, user_id=user_id, user_name=user_id,
                           text="yesterday: a; today: b", now=clock.at)

    post(members[:half], dt.time(8, 0))
    clock.at = dt.datetime.combine(day, dt.time(8, 30), dt.UTC)
    usage.part = "reminder"  # its slot claim (the scheduler's) included
    scheduler.catch_up()
    post(members[half:], dt.time(8, 45))
    clock.at = dt.datetime.combine(day, dt.time(9, 0), dt.UTC)
    usage.part = "standup"
    scheduler.catch_up()
    usage.part = "health probes"
    for _ in range(HEALTH_PROBES):
        check_health(store, lambda: True)
    usage.part = "housekeeping"
    for hour in range(24):
        clock.at = dt.datetime.combine(day, dt.time(hour, 5), dt.UTC)
        scheduler.prune_history()


def measure(host: str, n: int, standin: SlackStandIn) -> Usage:
    project = f"usage-{n}-{os.getpid()}"
    usage = Usage()
    store = FirestoreStore(project=project, intercept=usage.interceptor("store"))
    history = CountedHistory(project=project, intercept=usage.interceptor("history"))
    history.usage = usage
    settings = Settings(_env_file=None, slack_bot_token="xoxb-usage",  # type: ignore[call-arg,arg-type]
                        slack_api_url=standin.url, timezone="UTC", standup_time="09:00",
                        reminder_time="08:30", standup_days="mon-fri",
                        standup_channel="#general", alert_channel=None, store="firestore",
                        google_cloud_project=project, executor="threads",
                        run_retention_days=30)
    members = [f"U{i:08d}" for i in range(n)]
    try:
        for user_id in members:
            store.save_member(Member(user_id=user_id, team=DEFAULT_TEAM, name=user_id))
        clock = Clock()
        one_day(usage, MONDAY, members, clock, store, history, settings)  # the first day
        usage.counts.clear()
        one_day(usage, MONDAY + dt.timedelta(days=1), members, clock, store, history, settings)
    finally:
        store.close()
        history.close()
        emulator.clear(host, project)
    return usage


def report(n: int, usage: Usage) -> None:
    print(f"\nteam of {n}, one steady standup day (reads / writes / deletes):")
    parts = sorted({key for key, _ in usage.counts})
    for key in parts:
        r, w, d = (usage.counts[(key, op)] for op in ("reads", "writes", "deletes"))
        print(f"  {key:<30} {r:>6} {w:>6} {d:>6}")
    reads, writes = usage.total("reads"), usage.total("writes")
    history_writes = sum(usage.total("writes", f"{flow}/history") for flow in FLOWS)
    events = sum(usage.total("writes", f"{flow}/history events") for flow in FLOWS)
    documents = history_writes - len(FLOWS)  # a run's record is written twice (start, end)
    print(f"  {'day total':<30} {reads:>6} {writes:>6} {usage.total('deletes'):>6}")
    steady_reads, steady_deletes = reads + documents, documents
    print(f"  with retention deleting a day's runs each day (reading each document once to "
          f"find it): {steady_reads} reads, {writes} writes, {steady_deletes} deletes")
    print(f"  run history: {history_writes} of {writes} writes ({history_writes / writes:.0%}),"
          f" events {events} of them ({events / writes:.0%} of all writes)")
    print(f"  share of the free tier: reads {steady_reads / FREE_READS:.1%}, writes "
          f"{writes / FREE_WRITES:.1%}, deletes {steady_deletes / FREE_DELETES:.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--members", type=int, nargs="+", default=[10, 50])
    args = parser.parse_args(argv)
    with emulator.in_use() as host, SlackStandIn() as standin:
        for n in args.members:
            report(n, measure(host, n, standin))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
