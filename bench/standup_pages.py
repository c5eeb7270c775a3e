"""Standup pages benchmark: each page of /standups for a team of 200 over two years.

Run: ``python -m bench.standup_pages`` (``--store sqlite firestore``, ``--members 200``,
``--days 730``, ``--repeat 7``); Firestore runs on the emulator (FIRESTORE_EMULATOR_HOST,
else one started for the run).

Seeds a team of `--members` over `--days` calendar days of weekday standups (about 100k
updates for 200 x 2 years): each member posts on 90% of days, at a first-post time spread
around the reminder (some hours early, most within the hour after), some edit later; a
sent reminder for each member who had not posted by the reminder time; a sent digest per
day; and a reminder and a standup run record per day in the run history (so a date page
searches real run records). The seed writes rows/documents in bulk (SQLite executemany,
Firestore batches of 500) in the stores' own layouts (on Firestore with each date's
index of records, date_records.py, as the store's writes keep it); the pages then read
them through the ordinary store. The date still open today (its standup or late window
not over) is written the ordinary way: each member's update through the store, as
/standup does, and the reminders claimed and sent as the reminder flow does.

Times each page over real HTTP (uvicorn in a thread, httpx), `--repeat` times after one
warm-up, and prints the median and the worst per page, and the warm-up's time ("first"):
the seed writes no day summaries, so the first team page computes and keeps them, once,
as the first page after an upgrade does; the first view of a date is its first read.
The target is < 500 ms each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from marvin.domain.clock import utc_now
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Member, Team, Update
from marvin.domain.standup import active_standup_date, standup_days, standup_instant
from marvin.store import Store
from marvin.store.firestore.client import build_client, doc_id
from marvin.store.firestore.date_records import DELIVERIES, MARK, USERS
from marvin.store.firestore.documents import update_fields
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.store import FirestoreStore
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.server import serve_in_thread
from marvin.web.standup_pages import standup_routes
from tests.support import firestore_emulator as emulator

TOKEN = "bench-dashboard-token"
TEAM = Team("bench", "Europe/Berlin", standup_time="09:30", reminder_time="09:00",
            channel="#bench")
END = "2026-06-12"  # a Friday: the last seeded date
POSTS = 0.9


def _seed_rows(members: int, days: int, seed: int = 14) -> tuple[
        list[Member], list[Update], list[tuple[DeliveryKey, dt.datetime, str]],
        list[FlowRunRecord]]:
    rng = random.Random(seed)
    start = (dt.date.fromisoformat(END) - dt.timedelta(days=days - 1)).isoformat()
    people = [Member(f"U{i:05d}", TEAM.name, f"Member {i}") for i in range(members)]
    updates, sent, runs = [], [], []
    for date in standup_days(TEAM, start, END):
        standup = standup_instant(TEAM, date).astimezone(dt.UTC)
        reminder = standup - dt.timedelta(minutes=30)
        for member in people:
            if rng.random() < POSTS:
                first = reminder + dt.timedelta(minutes=rng.gauss(5, 40))
                last = first + dt.timedelta(minutes=rng.choice((0, 0, 0, 12)))
                updates.append(Update(TEAM.name, date, member.user_id,
                                      (f"worked on ticket {rng.randrange(9999)}",), last,
                                      first_posted_at=first))
                if first <= reminder:
                    continue
            key = DeliveryKey.reminder(TEAM.name, date, member.user_id)
            sent.append((key, reminder, f"D{member.user_id}:{reminder.timestamp():.6f}"))
        key = DeliveryKey.digest(TEAM.name, date, TEAM.channel)
        sent.append((key, standup, f"C0BENCH:{standup.timestamp():.6f}"))
        for flow, at in (("reminder", reminder), ("standup", standup)):
            runs.append(FlowRunRecord(
                id=f"{flow[:3]}{date.replace('-', '')}".ljust(32, "0"), flow=flow,
                version="bench", parameters={"team": TEAM.name}, state="Success", message="",
                scheduled_at=at, started_at=at - dt.timedelta(seconds=1),
                ended_at=at + dt.timedelta(seconds=30)))
    return people, updates, sent, runs


def _iso(at: dt.datetime | None) -> str | None:
    return at.isoformat() if at else None


def _seed_through_the_api(store: Store, history: RunHistory, people: list[Member],
                          runs: list[FlowRunRecord]) -> None:
    """The team, its members and the run records (few): written the ordinary way."""
    try:
        store.save_team(TEAM)
        for member in people:
            store.save_member(member)
        for run in runs:
            history.save_flow_run(run)
    finally:
        store.close()
        history.close()


def seed_today(store: Store, members: int) -> int:
    """The open date, written the ordinary way: 90% of the members post (some before the
    reminder), the others are reminded."""
    rng = random.Random(7)
    today, now = active_standup_date(TEAM, utc_now()), utc_now()
    posted = 0
    for i in range(members):
        user = f"U{i:05d}"
        if rng.random() < POSTS:
            store.append_update(TEAM.name, today, user, f"today: ticket {rng.randrange(9999)}",
                                now)
            posted += 1
            continue
        key = DeliveryKey.reminder(TEAM.name, today, user)
        store.claim_delivery(key, now, owner="bench")
        store.complete_delivery(key, f"D{user}:{now.timestamp():.6f}")
    return posted


def seed_sqlite(path: str, members: int, days: int) -> int:
    people, updates, sent, runs = _seed_rows(members, days)
    _seed_through_the_api(SqliteStore(path), SqliteHistory(path), people, runs)
    with sqlite3.connect(path) as db:  # the layout SqliteStore writes (marvin/store/sqlite)
        db.executemany(
            "INSERT INTO updates (team, date, user_id, entries, updated_at, answers, skipped, "
            "first_posted_at) VALUES (?, ?, ?, ?, ?, NULL, 0, ?)",
            [(u.team, u.date, u.user_id, json.dumps(list(u.entries)), _iso(u.updated_at),
              _iso(u.first_posted_at)) for u in updates])
        db.executemany(
            "INSERT INTO deliveries (kind, team, date, target, claimed_at, sent, detail) "
            "VALUES (?, ?, ?, ?, ?, 1, ?)",
            [(k.kind.value, k.team, k.date, k.target, at.isoformat(), detail)
             for k, at, detail in sent])
    return len(updates)


def seed_firestore(project: str, members: int, days: int) -> int:
    people, updates, sent, runs = _seed_rows(members, days)
    _seed_through_the_api(FirestoreStore(project=project), FirestoreHistory(project=project),
                          people, runs)
    client = build_client(project)
    docs: list[tuple[Any, dict[str, Any]]] = []
    for u in updates:  # the layout FirestoreStore writes (marvin/store/firestore)
        ref = client.collection("updates").document(doc_id(u.team, u.date, u.user_id))
        docs.append((ref, {"team": u.team, "date": u.date, "user_id": u.user_id,
                           **update_fields(u)}))
    for k, at, detail in sent:
        ref = client.collection("deliveries").document(
            doc_id(k.kind.value, k.team, k.date, k.target))
        docs.append((ref, {"kind": k.kind.value, "team": k.team, "date": k.date,
                           "target": k.target, "claimed_at": at, "sent": True,
                           "detail": detail}))
    index: dict[str, dict[str, list[str]]] = {}
    for u in updates:
        index.setdefault(u.date, {USERS: [], DELIVERIES: []})[USERS].append(u.user_id)
    for k, _at, _detail in sent:
        index.setdefault(k.date, {USERS: [], DELIVERIES: []})[DELIVERIES].append(
            f"{k.kind.value}/{k.target}")
    for date, ids in index.items():  # stale: no summary yet, as after an upgrade
        ref = client.collection("day_summaries").document(doc_id(TEAM.name, date))
        docs.append((ref, {"team": TEAM.name, "date": date, "stale": True, **ids}))
    # every record was indexed as it was written: the mark of a namespace that began so
    docs.append((client.collection(MARK[0]).document(doc_id(MARK[1])), {"complete_from": ""}))
    for i in range(0, len(docs), 500):
        batch = client.batch()
        for ref, fields in docs[i:i + 500]:
            batch.set(ref, fields)
        batch.commit()
    return len(updates)


@contextmanager
def opened(backend: str, members: int, days: int) -> Iterator[tuple[Store, RunHistory, int]]:
    store: Store
    history: RunHistory
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            path = str(Path(tmp) / "bench.db")
            count = seed_sqlite(path, members, days)
            store, history = SqliteStore(path), SqliteHistory(path)
            count += seed_today(store, members)
            try:
                yield store, history, count
            finally:
                store.close()
                history.close()
        return
    with emulator.in_use() as host:
        project = f"bench-pages-{int(time.time())}"
        count = seed_firestore(project, members, days)
        store, history = FirestoreStore(project=project), FirestoreHistory(project=project)
        count += seed_today(store, members)
        try:
            yield store, history, count
        finally:
            store.close()
            history.close()
            emulator.clear(host, project)


def pages(days: int) -> dict[str, str]:
    first = (dt.date.fromisoformat(END) - dt.timedelta(days=days - 1)).isoformat()
    oldest = standup_days(TEAM, first, END)[0]
    return {
        "teams": "/standups",
        "team, 8 weeks": f"/standups/bench?until={END}",
        f"team, all {days} days": f"/standups/bench?since={first}&until={END}",
        "date, latest": f"/standups/bench/{END}",
        "date, oldest": f"/standups/bench/{oldest}",
        "date, open today": f"/standups/bench/{active_standup_date(TEAM, utc_now())}",
    }


def run(backend: str, members: int, days: int, repeat: int) -> None:
    from starlette.applications import Starlette

    started = time.perf_counter()
    with opened(backend, members, days) as (store, history, count):
        seeded = time.perf_counter() - started
        print(f"{backend}: {members} members, {days} days, {count:,} updates "
              f"(seeded in {seeded:.1f} s)")
        app = Starlette(routes=standup_routes(store, history, TOKEN, TEAM))
        with serve_in_thread(app) as (url, _stop), httpx.Client(timeout=120) as http:
            for name, path in pages(days).items():
                sep = "&" if "?" in path else "?"
                times, statuses = [], set()
                for attempt in range(repeat + 1):
                    t0 = time.perf_counter()
                    response = http.get(f"{url}{path}{sep}token={TOKEN}")
                    elapsed = (time.perf_counter() - t0) * 1000
                    statuses.add(response.status_code)
                    if attempt:  # the first also computes and keeps the day summaries
                        times.append(elapsed)
                    else:
                        first = elapsed
                failed = "" if statuses == {200} else f"   HTTP {sorted(statuses)}"
                print(f"  {name:<22} median {statistics.median(times):7.1f} ms   "
                      f"worst {max(times):7.1f} ms   first {first:7.1f} ms   "
                      f"{len(response.content) // 1024} KiB" + failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", nargs="+", default=["sqlite", "firestore"],
                        choices=["sqlite", "firestore"])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    for backend in args.store:
        run(backend, args.members, args.days, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
