"""A standup site to read pages from, shared by the HTTP and headless-browser tests.

Real data, made the production way: members post through the store, the reminder flow
and the standup flow run on Marvin's engine against the Slack stand-in and are recorded
in the run history, so every delivery record, Slack ts and run id on the pages is one
Marvin really made. Engine clocks start at the services' fixed "now", so run records and
delivery claims share one timeline (as they do in production, on the real clock).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from starlette.applications import Starlette

from flows import get_flow
from flows.services import Services, use_services
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.engine import FakeClock, FlowRun, ThreadExecutor
from marvin.history.recorder import HistoryRecorder, recording
from marvin.store import Store
from marvin.store.run_history import RunHistory
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.web.standup_pages import standup_routes
from tests.reliability.conftest import DATE, REMINDER_AT, STANDUP_AT, services_on
from tests.web.test_dashboard import TOKEN

XSS = "<script>alert(1)</script>"
ANN, BOB, CID = "U0ANN", "U0BOB", "U0CID"
EARLIER = "2026-06-05"  # the Friday before DATE: one post, nothing sent


@dataclass(frozen=True)
class Site:
    url: str
    reminder: FlowRun
    standup: FlowRun
    standin: SlackStandIn


def _run(name: str, params: dict[str, object], services: Services, history: RunHistory,
         at: dt.datetime) -> FlowRun:
    flow = get_flow(name)
    recorder = HistoryRecorder(history, flow)
    clock = FakeClock(start=at.timestamp() - 0.5, tick=0.05)
    with use_services(services), recording(recorder):
        return flow.run(params, executor=ThreadExecutor(2), clock=clock, recorder=recorder)


def seed(store: Store, history: RunHistory, standin: SlackStandIn) -> tuple[FlowRun, FlowRun]:
    for user, name in ((ANN, "Ann"), (BOB, f"Bob {XSS}"), (CID, "Cid")):
        store.save_member(Member(user, DEFAULT_TEAM, name))
    store.append_update(DEFAULT_TEAM, EARLIER, ANN, "friday things", REMINDER_AT - dt.timedelta(
        days=3))
    store.append_update(DEFAULT_TEAM, DATE, ANN, f"shipped *it* & {XSS} <!channel>",
                        REMINDER_AT - dt.timedelta(minutes=40))
    reminder = _run("reminder", {"team": DEFAULT_TEAM}, services_on(standin.url, store),
                    history, REMINDER_AT)
    store.append_update(DEFAULT_TEAM, DATE, BOB, "late but here",
                        REMINDER_AT + dt.timedelta(minutes=10))
    store.append_update(DEFAULT_TEAM, DATE, BOB, "edited later",
                        REMINDER_AT + dt.timedelta(minutes=20))
    standup = _run("standup", {"team": DEFAULT_TEAM},
                   services_on(standin.url, store, at=STANDUP_AT), history, STANDUP_AT)
    return reminder, standup


@contextmanager
def standup_site(store: Store, history: RunHistory, standin: SlackStandIn) -> Iterator[Site]:
    reminder, standup = seed(store, history, standin)
    app = Starlette(routes=standup_routes(store, history, TOKEN, Team()))
    with serve_in_thread(app) as (url, _stop):
        yield Site(url, reminder, standup, standin)
