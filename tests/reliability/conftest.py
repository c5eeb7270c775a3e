"""Shared fixtures for the reliability suite: real stores, a real Slack client, the stand-in.

The suite tries hard to break Marvin, so everything here is the production wiring
(`build_services`, `SlackWebChat`, `build_app` + `build_web_app` under uvicorn); only the
clocks are fixed so nothing depends on today's date, and the engine's retry waits pass on
a `FakeClock` so an engine-level retry costs nothing.

Fixtures:
    store: an empty store, SQLite (a file in tmp_path) and Firestore (the session
        emulator, a project of its own) in turn.
    standin: a running `SlackStandIn` of the test's own.
    tally: counts shared by the whole session (faults injected, inputs tried, messages
        lost, duplicates); printed at the end of the run for docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from flows import get_flow
from flows.automations import run_automations
from flows.services import Services, use_services
from flows.worker_services import carry_services
from marvin.app import build_services
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.engine import Executor, FakeClock, FlowRun
from marvin.history.events import collecting
from marvin.history.recorder import HistoryRecorder, recording
from marvin.history.redact import Redactor
from marvin.settings import Settings
from marvin.slack.client import SlackWebChat
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

TEAM = DEFAULT_TEAM
DATE = "2026-06-08"  # a Monday; the default team stands up mon-fri at 09:00 UTC
REMINDER_AT = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)
STANDUP_AT = dt.datetime(2026, 6, 8, 9, 0, tzinfo=dt.UTC)
TOKEN = "xoxb-reliability-test-token"
SIGNING_SECRET = "reliability-test-signing-secret"
ALERTS = "#alerts"


class FixedClock:
    """`now()` for Services: stays where it is put."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


def make_settings(url: str, **overrides: Any) -> Settings:
    """Settings on the stand-in, alerts going to ALERTS."""
    return stand_in_settings(url, TOKEN, SIGNING_SECRET, **({"alert_channel": ALERTS} | overrides))


def make_chat(url: str, token: str = TOKEN, **options: Any) -> SlackWebChat:
    """The production client with quick backoff: 2 retries per call, 10 ms backoff (429s
    still wait their Retry-After), 2 s timeout."""
    values: dict[str, Any] = {"timeout": 2.0, "max_retries": 2, "backoff_factor": 0.01}
    values.update(options)
    return SlackWebChat(token, url, **values)


def make_services(
    store: Store, settings: Settings, chat: SlackWebChat, at: dt.datetime = REMINDER_AT
) -> Services:
    return build_services(settings, store, chat=chat, now=FixedClock(at))


def services_on(
    url: str,
    store: Store,
    at: dt.datetime = REMINDER_AT,
    *,
    settings: dict[str, Any] | None = None,
    **chat_options: Any,
) -> Services:
    """The run's services on the stand-in at `url`: `make_settings` with `settings`
    overrides, `make_chat` with `chat_options`, and the clock fixed at `at`."""
    return make_services(
        store, make_settings(url, **(settings or {})), make_chat(url, **chat_options), at=at
    )


def run(
    name: str,
    parameters: dict[str, object],
    services: Services,
    executor: Executor,
    *,
    history: RunHistory | None = None,
) -> FlowRun:
    """`marvin.app.run_flow`, step for step, but on a `FakeClock`: the engine's
    retry delays (5 s for a send) pass without sleeping, so engine retries are cheap."""
    flow = get_flow(name)
    recorder = None
    if history is not None:
        recorder = HistoryRecorder(history, flow, Redactor(services.settings.secret_values()))
    remote = carry_services(services) if executor.runs_remotely else nullcontext()
    with use_services(services), remote, collecting() as events:
        if recorder is None:
            result = flow.run(parameters, executor=executor, clock=FakeClock())
        else:
            with recording(recorder):
                result = flow.run(parameters, executor=executor, clock=FakeClock(),
                                  recorder=recorder)
    run_automations(events, services.store, services.now,
                    lambda flow, params: run(flow, params, services, executor, history=history))
    return result


def add_members(store: Store, user_ids: tuple[str, ...], team: str = TEAM) -> None:
    for user_id in user_ids:
        store.save_member(Member(user_id=user_id, team=team, name=f"Member {user_id}"))


def post_update(store: Store, user_id: str, text: str, date: str = DATE) -> None:
    store.append_update(TEAM, date, user_id, text, REMINDER_AT - dt.timedelta(hours=1))


# Counts for docs/reliability.md ------------------------------------------------------------

TALLY: Counter[str] = Counter()


def faulted(standin: SlackStandIn) -> list[str]:
    """Outcomes of every call the stand-in did not answer with ok."""
    return [call.outcome for call in standin.calls if call.outcome != "ok"]


def assert_retry_after_honoured(standin: SlackStandIn) -> None:
    """Each 429'd call came again no sooner than its Retry-After (1 s)."""
    calls = standin.calls
    for index, call in enumerate(calls):
        if call.outcome != "http:429":
            continue
        again = next(
            (c for c in calls[index + 1 :] if c.method == call.method and c.params == call.params),
            None,
        )
        assert again is not None, f"a 429'd {call.method} was never retried"
        assert again.at - call.at >= 1.0, (call, again)


@pytest.fixture(scope="session")
def tally() -> Counter[str]:
    return TALLY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY:
        terminalreporter.section("reliability counts")
        for key in sorted(TALLY):
            terminalreporter.write_line(f"{key}: {TALLY[key]}")


# Fixtures -----------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "firestore"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend."""
    opened: Store
    if request.param == "sqlite":
        opened = SqliteStore(str(tmp_path / "marvin.db"))
    else:
        opened = FirestoreStore(project=request.getfixturevalue("firestore_project"))
        opened.list_teams()  # the emulator's first call is slow (cold JVM): pay it here
    yield opened
    opened.close()


# The private emulator's fixtures, for the modules that kill or freeze it.
from tests.reliability.private_emulator import firestore, private_emulator  # noqa: E402,F401
