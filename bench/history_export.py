"""`/standup history` latency and export throughput on a team of 200 over 2 years.

Run: ``python -m bench.history_export`` (``--store firestore`` uses FIRESTORE_EMULATOR_HOST,
else starts an emulator for the run; ``--members`` and ``--years`` scale the seed).

Seeds one team (Monday to Friday) with an update from every member on every standup date
(about 104,000 updates for 200 members over 2 years), each with three answers, written in
bulk in the stored layout (the seed is not what is measured). Then:

- ``/standup history``: `standup_history` as the slash command runs it (under the store
  deadline) for a random member reading a random teammate's last 5 and last 30 updates;
  p50 / p99 over ``--samples`` answers, and about a member with no update at all (the
  longest read). Target: p99 < 300 ms (Slack's 3 s window).
- export: `export_lines` of the whole team as CSV and as JSON lines into a null sink,
  rows per second. Target on SQLite: > 20,000 rows/s. The peak of Python memory
  (tracemalloc) while exporting all rows and a quarter of them shows it is flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from marvin.domain.models import Answer, Member, Team, Update
from marvin.interactions.standup_history import standup_history
from marvin.reports.export import export_lines
from marvin.store.base import Store, StoreError, deadline
from marvin.store.fields import answers_to_list
from marvin.store.firestore.client import doc_id
from marvin.store.firestore.documents import update_fields
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore
from tests.support import firestore_emulator as emulator

TEAM = Team("bench")
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
STORE_BUDGET = 2.0  # as `/standup` gives the store


def dates(years: int) -> list[str]:
    day, last, found = NOW.date() - dt.timedelta(days=365 * years), NOW.date(), []
    while day <= last:
        if day.weekday() < 5:
            found.append(day.isoformat())
        day += dt.timedelta(days=1)
    return found


def updates(members: list[str], days: list[str]) -> Iterator[Update]:
    for date in days:
        at = dt.datetime.fromisoformat(f"{date}T08:45:00+00:00")
        for user in members:
            yield Update(TEAM.name, date, user, (), at, (
                Answer("q1", TEAM.questions[0].label, f"worked on ticket {date} for {user}"),
                Answer("q2", TEAM.questions[1].label, "reviews, then the release notes"),
                Answer("q3", TEAM.questions[2].label, "none", blockers=True)),
                first_posted_at=at)


def seed_sqlite(store: SqliteStore, path: str, members: list[str], days: list[str]) -> int:
    import sqlite3

    rows = [(u.team, u.date, u.user_id, "[]", u.updated_at.isoformat() if u.updated_at else None,
             json.dumps(answers_to_list(u.answers)), 0,
             u.first_posted_at.isoformat() if u.first_posted_at else None)
            for u in updates(members, days)]
    with sqlite3.connect(path) as raw:
        raw.executemany("INSERT INTO updates (team, date, user_id, entries, updated_at, answers,"
                        " skipped, first_posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    raw.close()
    return len(rows)


def seed_firestore(store: FirestoreStore, members: list[str], days: list[str]) -> int:
    client, count, batch = store.client, 0, None
    for update in updates(members, days):
        if batch is None:
            batch = client.batch()
        ref = client.collection("updates").document(doc_id(update.team, update.date,
                                                           update.user_id))
        batch.set(ref, {"team": update.team, "date": update.date, "user_id": update.user_id,
                        **update_fields(update)})
        count += 1
        if count % 500 == 0:
            batch.commit()
            batch = None
    if batch is not None:
        batch.commit()
    return count


@contextmanager
def seeded(kind: str, members: list[str], days: list[str]) -> Iterator[tuple[Store, int]]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="marvin-bench-") as tmp:
            path = os.path.join(tmp, "marvin.db")
            sqlite = SqliteStore(path)
            try:
                _members(sqlite, members)
                yield sqlite, seed_sqlite(sqlite, path, members, days)
            finally:
                sqlite.close()
        return
    with emulator.in_use() as host:
        project = f"bench-{uuid.uuid4().hex[:12]}"
        firestore = FirestoreStore(project=project)
        try:
            _members(firestore, members)
            yield firestore, seed_firestore(firestore, members, days)
        finally:
            firestore.close()
            emulator.clear(host, project)


NEWCOMER = "UNEW00000"  # a member with no update: their history reads every candidate date


def _members(store: Store, members: list[str]) -> None:
    store.save_team(TEAM)
    for user in [*members, NEWCOMER]:
        store.save_member(Member(user, TEAM.name, f"name-{user}"))


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample at or above `pct` % of the samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def time_history(
    store: Store, members: list[str], count: int, samples: int
) -> tuple[list[float], int]:
    """Milliseconds per answer, and how many ran out of the store budget (timed too)."""
    rng = random.Random(count)
    for user in members[:3]:  # warm up: the emulator's first queries run in a cold JVM
        standup_history(store, user, f"{count}", NOW)
    timings, late = [], 0
    for _ in range(samples):
        me, them = rng.choice(members), rng.choice(members)
        start = time.perf_counter()
        try:
            with deadline(STORE_BUDGET):
                answer = standup_history(store, me, f"<@{them}> {count}", NOW)
        except StoreError:
            late += 1
        else:
            assert answer.ok and len(answer.blocks) > count, answer.text
        timings.append((time.perf_counter() - start) * 1000)
    return timings, late


def time_empty_history(store: Store, members: list[str], samples: int) -> list[float]:
    """Milliseconds per answer about the newcomer (no update: the whole span is read)."""
    rng, timings = random.Random(0), []
    for _ in range(samples):
        start = time.perf_counter()
        with deadline(STORE_BUDGET):
            answer = standup_history(store, rng.choice(members), f"<@{NEWCOMER}> 30", NOW)
        assert answer.ok and "empty" in answer.text, answer.text
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def time_export(store: Store, fmt: str, since: str | None = None) -> tuple[int, float]:
    start = time.perf_counter()
    rows = sum(1 for _ in export_lines(store, TEAM, fmt, since=since, until=None, now=NOW)) - (
        fmt == "csv")
    return rows, time.perf_counter() - start


def peak_memory(store: Store, since: str | None) -> tuple[int, int]:
    tracemalloc.start()
    rows = sum(1 for _ in export_lines(store, TEAM, "jsonl", since=since, until=None, now=NOW))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return rows, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "firestore"), default="sqlite")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args(argv)
    members = [f"U{i:07d}" for i in range(args.members)]
    days = dates(args.years)
    started = time.perf_counter()
    with seeded(args.store, members, days) as (store, total):
        print(f"{args.store}: {total:,} updates of {len(members)} members over "
              f"{len(days)} standup dates, seeded in {time.perf_counter() - started:.1f} s")
        for count in (5, 30):
            ms, late = time_history(store, members, count, args.samples)
            print(f"/standup history N={count}: p50 {statistics.median(ms):.1f} ms, "
                  f"p99 {percentile(ms, 99):.1f} ms over {len(ms)} answers "
                  f"({late} past the {STORE_BUDGET:.0f} s store budget)")
        ms = time_empty_history(store, members, max(1, args.samples // 4))
        print(f"/standup history of a member with no update: p50 "
              f"{statistics.median(ms):.1f} ms, p99 {percentile(ms, 99):.1f} ms over "
              f"{len(ms)} answers")
        for fmt in ("csv", "jsonl"):
            rows, seconds = time_export(store, fmt)
            print(f"export {fmt}: {rows:,} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s")
        quarter = days[-len(days) // 4]
        for since in (quarter, None):
            rows, peak = peak_memory(store, since)
            print(f"export peak Python memory: {peak / 1e6:.1f} MB for {rows:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
