"""Ack latency of ``/standup`` over real HTTP: how long Slack waits for Marvin's answer.

Run: ``python -m bench.ack_latency`` (``--store firestore`` needs FIRESTORE_EMULATOR_HOST).

Marvin's real web app (Starlette on uvicorn, Bolt's signature check, the listener, a store
write) runs in a background thread of this process, with its Web API client pointed at a
`SlackStandIn`. The load generator runs in a *separate process*, as Slack does, so its
own CPU time never holds this process's GIL: it fires `--concurrency` signed slash commands
at once, `--rounds` times after `--warmup` rounds, each on its own connection, and times
each from connect to the last byte of the answer. A sequential baseline (one request at a
time) is printed too: the difference is queueing under the burst. Every answer must be a
200 "Thanks" and every update must be in the store afterwards, or the run fails.

Target (DESIGN.md, Slack's 3 s deadline with a wide margin): p99 < 100 ms on SQLite.

``--modal``: `/standup` with no text from 50 members at once, each with a fresh trigger_id
the stand-in issued just before the burst; timed from the request's start to the
``views.open`` call reaching the stand-in (CLOCK_MONOTONIC is shared by both processes).
Every answer must be an empty 200 and every views.open accepted (the trigger is good for
3 s, once). Target: p99 < 300 ms on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from marvin.app import open_marvin
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.testing.server import serve_in_thread
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import build_web_app

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)  # a Wednesday before 09:00 standup
DATE = "2026-11-18"


# -- the load generator (runs in its own process) -------------------------------------------


@dataclass(frozen=True)
class Round:
    """One burst: per-request latencies (s), wall time of the burst (s), failed answers."""

    latencies: list[float]
    seconds: float
    errors: list[str]


async def _post(
    host: str, port: int, body: bytes, *, expect: bytes = b"Thanks!"
) -> tuple[float, str | None]:
    """One signed POST on a fresh connection; (seconds, None) or (seconds, what went wrong).
    `expect` must be in the answer; empty: the body must be empty (an ack with no text)."""
    headers = signed_headers(SECRET, body)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"POST /slack/events HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode() + body
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    elapsed = time.perf_counter() - started
    status_line, _, rest = answer.partition(b"\r\n")
    body_ok = expect in rest if expect else rest.split(b"\r\n\r\n", 1)[-1] == b""
    if b" 200 " not in status_line or not body_ok:
        return elapsed, answer[:200].decode(errors="replace")
    return elapsed, None


async def _burst(host: str, port: int, bodies: list[bytes]) -> Round:
    started = time.perf_counter()
    results = await asyncio.gather(*(_post(host, port, body) for body in bodies))
    seconds = time.perf_counter() - started
    return Round([r[0] for r in results], seconds, [r[1] for r in results if r[1] is not None])


def user_id(round_no: int, index: int) -> str:
    return f"U{round_no:03d}{index:04d}"


def generate_load(
    url: str, concurrency: int, rounds: int, warmup: int, sequential: int
) -> tuple[list[Round], list[float]]:
    """Warm-up bursts (discarded), measured bursts, then `sequential` one-at-a-time requests."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    def bodies(round_no: int, count: int) -> list[bytes]:
        return [
            slash_command_body(text=f"bench update {round_no}/{i}", user_id=user_id(round_no, i))
            for i in range(count)
        ]

    async def main() -> tuple[list[Round], list[float]]:
        measured = []
        for round_no in range(warmup + rounds):
            burst = await _burst(host, port, bodies(round_no, concurrency))
            if round_no >= warmup:
                measured.append(burst)
        baseline = []
        for body in bodies(warmup + rounds, sequential):
            seconds, error = await _post(host, port, body)
            if error is not None:
                raise RuntimeError(f"sequential request failed: {error}")
            baseline.append(seconds)
        return measured, baseline

    return asyncio.run(main())


def modal_round(url: str, requests: list[tuple[str, str]]) -> list[tuple[str, float, str]]:
    """One burst of `/standup` (no text), one per (user id, trigger id): for each, the
    trigger, when its request started (``time.monotonic``) and what went wrong ("")."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80

    async def one(user: str, trigger: str) -> tuple[str, float, str]:
        started = time.monotonic()
        body = slash_command_body(text="", user_id=user, trigger_id=trigger)
        _seconds, error = await _post(host, port, body, expect=b"")
        return trigger, started, error or ""

    async def main() -> list[tuple[str, float, str]]:
        return list(await asyncio.gather(*(one(user, trigger) for user, trigger in requests)))

    return asyncio.run(main())


def run_modal(args: argparse.Namespace, url: str, slack: SlackStandIn, pool: Any) -> int:
    """`--modal`: bursts of `/standup` (no text); latency to the views.open at the stand-in."""
    users = [user_id(0, i) for i in range(args.concurrency)]
    latencies: list[float] = []
    errors: list[str] = []
    for round_no in range(args.warmup + args.rounds):
        slack.reset_calls()
        requests = [(user, slack.issue_trigger()) for user in users]
        results = pool.apply(modal_round, (url, requests))
        opened = {str(c.params.get("trigger_id")): c for c in slack.calls_to("views.open")}
        for trigger, started, error in results:
            call = opened.get(trigger)
            if error or call is None or call.outcome != "ok":
                errors.append(error or f"views.open: {call.outcome if call else 'never called'}")
            elif round_no >= args.warmup:
                latencies.append(call.at - started)
    ms = 1000.0
    print(f"/standup (no text) to views.open over HTTP: store={args.store}, {args.rounds} "
          f"rounds x {args.concurrency} concurrent after {args.warmup} warm-up round(s)")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  machine: {os.cpu_count()} CPUs, load average {load}")
    if latencies:
        p99 = percentile(latencies, 99) * ms
        print(f"  request -> views.open   p50 {percentile(latencies, 50) * ms:7.1f} ms   "
              f"p99 {p99:7.1f} ms   max {max(latencies) * ms:7.1f} ms   "
              f"({len(latencies)} requests)")
        if args.store == "sqlite":
            print(f"  target p99 < 300 ms on SQLite: {'met' if p99 < 300 else 'MISSED'}")
    print(f"  answers: {args.concurrency * (args.warmup + args.rounds) - len(errors)} empty "
          f"200 with the modal open; failed: {len(errors)}")
    for error in errors[:3]:
        print(f"  failed: {error!r}")
    return 1 if errors else 0


# -- the server under test ------------------------------------------------------------------


@contextmanager
def bench_store_settings(kind: str) -> Iterator[dict[str, Any]]:
    """The settings of a fresh store: SQLite on a temp file, or a new project on the
    Firestore emulator (deleted afterwards)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="marvin-bench-") as tmp:
            yield {"store": f"sqlite:///{os.path.join(tmp, 'marvin.db')}"}
        return
    host = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if not host:
        raise SystemExit(
            "--store firestore needs a running emulator: set FIRESTORE_EMULATOR_HOST "
            "(python -m tests.support.firestore_emulator --port 8681 starts one)"
        )
    project = f"bench-{uuid.uuid4().hex[:12]}"
    try:
        yield {"store": "firestore", "google_cloud_project": project}
    finally:
        url = f"http://{host}/emulator/v1/projects/{project}/databases/(default)/documents"
        with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=30):
            pass


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample at or above `pct` % of the samples."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def run(args: argparse.Namespace) -> int:
    with SlackStandIn() as slack, bench_store_settings(args.store) as store_fields:
        fields: dict[str, Any] = {
            "slack_bot_token": TOKEN, "slack_signing_secret": SECRET, "slack_api_url": slack.url,
            "timezone": "UTC", "standup_time": "09:00", "standup_days": "mon-fri",
            **store_fields,
        }
        settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]  # pydantic-settings
        with open_marvin(settings, now=lambda: NOW) as marvin:
            marvin.store.list_teams()  # before timing: the Firestore emulator starts cold
            web = build_web_app(  # as `marvin serve` builds it for this store
                functools.partial(dispatch, marvin.bolt()),
                lambda: {"ok": True},
                slack_threads=settings.slack_thread_count(),
            )
            with serve_in_thread(web) as (url, _stop):
                context = multiprocessing.get_context("spawn")
                if args.modal:
                    for n in range(args.concurrency):
                        marvin.store.save_member(Member(user_id(0, n), DEFAULT_TEAM))
                    with context.Pool(1) as pool:
                        return run_modal(args, url, slack, pool)
                with context.Pool(1) as pool:
                    measured, baseline = pool.apply(
                        generate_load,
                        (url, args.concurrency, args.rounds, args.warmup, args.sequential),
                    )
            stored = {u.user_id for u in marvin.store.list_updates(DEFAULT_TEAM, DATE)}

    latencies = [seconds for burst in measured for seconds in burst.latencies]
    errors = [error for burst in measured for error in burst.errors]
    expected = {user_id(r, i) for r in range(args.warmup + args.rounds)
                for i in range(args.concurrency)}
    lost = len(expected - stored)
    ms = 1000.0
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"/standup ack latency over HTTP: store={args.store}, {args.rounds} rounds x "
          f"{args.concurrency} concurrent after {args.warmup} warm-up round(s)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {load}; Python "
          f"{sys.version.split()[0]}")
    print(f"  burst   p50 {percentile(latencies, 50) * ms:7.1f} ms   "
          f"p99 {percentile(latencies, 99) * ms:7.1f} ms   max {max(latencies) * ms:7.1f} ms   "
          f"({len(latencies)} requests)")
    rate = len(latencies) / sum(burst.seconds for burst in measured)
    print(f"  throughput {rate:7.0f} requests/s (requests / summed burst wall time)")
    print(f"  sequential p50 {statistics.median(baseline) * ms:7.1f} ms   "
          f"max {max(baseline) * ms:7.1f} ms   ({len(baseline)} requests, one at a time)")
    print(f"  answers: {len(latencies) - len(errors)}/{len(latencies)} 200 'Thanks'; "
          f"store: {len(expected) - lost}/{len(expected)} burst updates kept")
    for error in errors[:3]:
        print(f"  failed answer: {error!r}")
    target_ms = 100.0
    if args.store == "sqlite":
        p99 = percentile(latencies, 99) * ms
        verdict = "met" if p99 < target_ms else "MISSED"
        print(f"  target p99 < {target_ms:.0f} ms on SQLite: {verdict}")
    return 1 if errors or lost else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "firestore"), default="sqlite")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--sequential", type=int, default=50,
                        help="one-at-a-time requests for the baseline (default 50)")
    parser.add_argument("--modal", action="store_true",
                        help="/standup with no text: time to the views.open call")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
