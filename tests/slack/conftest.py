"""Fixtures for driving Marvin's web app over real HTTP: one server per module, each test's
own Bolt app and store behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from marvin.store.firestore.store import FirestoreStore
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.web.http import SlackHandler, build_web_app


@dataclass
class Current:
    """What the module's one server serves right now: each test's own Bolt app and store.

    uvicorn needs ~0.2 s to shut down, so one server per test would cost more than the tests;
    the app behind it is still built per test, exactly as `marvin serve` builds it.
    """

    handler: SlackHandler | None = None
    health: Callable[[], dict[str, Any]] | None = None

    def slack(
        self, body: bytes, headers: dict[str, str], query: str
    ) -> tuple[int, dict[str, str], str]:
        assert self.handler is not None, "no test is running"
        return self.handler(body, headers, query)

    def check(self) -> dict[str, Any]:
        assert self.health is not None, "no test is running"
        return self.health()


# fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def module_slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


@pytest.fixture
def slack(module_slack: SlackStandIn) -> SlackStandIn:
    module_slack.reset()
    return module_slack


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Current, httpx.Client]]:
    """One server and one client for the module (an httpx.Client takes ~0.1 s to build)."""
    current = Current()
    with (
        serve_in_thread(build_web_app(current.slack, current.check)) as (url, _stop),
        httpx.Client(base_url=url, timeout=10) as http,
    ):
        yield url, current, http


@pytest.fixture
def firestore_store(firestore_project: str) -> Iterator[FirestoreStore]:
    db = FirestoreStore(project=firestore_project)
    # The emulator's very first call runs in a cold JVM (~4 s here); Slack's 3 s bound is
    # about Marvin, so that wait belongs to set-up, not to the first timed request.
    db.list_teams()
    yield db
    db.close()




from tests.slack.home_harness import home  # noqa: E402,F401  (the Home tab fixture)
