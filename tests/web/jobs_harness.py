"""A served POST /jobs route for tests: real HTTP, a real `FlowScheduler` and its slot
claims, a fake run that notes what it was asked, and a movable clock.

``jobs_service(store, now, **settings)`` (a fixture, see tests/web/conftest.py) starts one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from marvin.engine.state import Success
from marvin.scheduler import FlowScheduler
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.testing.server import serve_in_thread
from marvin.web.http import build_web_app
from marvin.web.jobs import jobs_routes
from marvin.web.serve import jobs_auth

TOKEN = "jobs-shared-token"
MONDAY = dt.datetime(2026, 6, 8, tzinfo=dt.UTC)
SLOT = MONDAY.replace(hour=8, minute=30)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "timezone": "UTC", "standup_time": "09:00", "reminder_time": "08:30",
        "standup_days": "mon-fri", "misfire_grace_seconds": 600,
        "scheduler": "external", "jobs_token": TOKEN,
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@dataclass
class FakeRun:
    """Notes each run asked for; answers a finished run with an id."""

    calls: list[tuple[str, dict[str, Any], dt.datetime]] = field(default_factory=list)
    error: Exception | None = None

    def __call__(self, flow: str, params: dict[str, Any], at: dt.datetime) -> object:
        self.calls.append((flow, params, at))
        if self.error is not None:
            raise self.error
        return FakeFlowRun(f"run-{len(self.calls)}", Success("done"))


@dataclass
class FakeFlowRun:
    id: str
    state: Success


@dataclass
class Service:
    """A served app with the jobs route (over real HTTP), its fake run and its clock."""

    url: str
    run: FakeRun
    scheduler: FlowScheduler
    clock: list[dt.datetime]


MakeService = Callable[..., Service]


@pytest.fixture
def jobs_servers() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.fixture
def jobs_service(jobs_servers: ExitStack) -> MakeService:
    """``jobs_service(store, now, **settings)``: a served jobs route at `now` (movable)."""

    def start(store: Store, now: dt.datetime, **overrides: Any) -> Service:
        settings_ = make_settings(**overrides)
        run = FakeRun()
        clock = [now]
        now_fn: Callable[[], dt.datetime] = lambda: clock[0]  # noqa: E731
        scheduler = FlowScheduler(store, settings_, run=run, now=now_fn)
        web = build_web_app(None, lambda: {"ok": True}, extra_routes=jobs_routes(
            settings_, scheduler, jobs_auth(settings_), now_fn))
        url, _stop = jobs_servers.enter_context(serve_in_thread(web))
        return Service(url, run, scheduler, clock)

    return start


def post(svc: Service, flow: str, body: Any = None, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body or {"team": "default"}).encode()
    return httpx.post(f"{svc.url}/jobs/{flow}", content=content, timeout=10,
                      headers=AUTH if headers is None else headers)
