"""GET /healthz must answer before Docker's probe gives up, whatever the store does.

The Dockerfile's HEALTHCHECK reads /healthz with a 4 s timeout: a check that takes longer
is a failed probe that never saw the 503 saying why. The store gets `HEALTH_STORE_BUDGET`
(through `marvin.store.deadline`, which both backends honour) and the whole check is cut
at `HEALTH_DEADLINE` by the web app. A frozen Firestore emulator is tried in
tests/reliability/test_firestore_faults.py.
"""

from __future__ import annotations

import threading
from typing import Any, cast

import httpx

from marvin.slack.socket_mode import SocketStatus
from marvin.store.base import Store, StoreError, time_left
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.server import serve_in_thread
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_server import FakeSocketServer
from marvin.web.http import HEALTH_DEADLINE, build_web_app
from marvin.web.serve import HEALTH_STORE_BUDGET, check_health
from tests.support.socket_mode import connected

DOCKER_PROBE_TIMEOUT = 4.0  # seconds: the Dockerfile's HEALTHCHECK urlopen timeout


class BudgetSpy:
    """Passes every call through, noting the deadline each store call was given."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.budgets: list[float | None] = []
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def noted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            self.budgets.append(time_left(name))
            return method(*args, **kwargs)

        return noted



class FrozenStore:
    """A store that answers nothing until released (a SIGSTOPped server, a dead mount)."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __getattr__(self, name: str) -> Any:
        def hang(*args: object, **kwargs: object) -> Any:
            self.release.wait()
            raise StoreError(f"{name}: no answer")

        return hang


def test_the_store_is_probed_under_a_deadline_of_at_most_2_s(sqlite_store: SqliteStore) -> None:
    spy = BudgetSpy(sqlite_store)

    report = check_health(cast(Store, spy), lambda: True)

    assert report == {"ok": True, "store": True, "scheduler": True}
    assert spy.calls == ["get_team"]  # one document, however many teams: one billed read
    (budget,) = spy.budgets
    assert budget is not None and 0 < budget <= HEALTH_STORE_BUDGET <= 2.0


def test_a_dead_store_or_a_stopped_scheduler_is_not_ok(sqlite_store: SqliteStore) -> None:
    assert check_health(sqlite_store, lambda: False) == {
        "ok": False, "store": True, "scheduler": False}
    sqlite_store.close()
    assert check_health(sqlite_store, lambda: True) == {
        "ok": False, "store": False, "scheduler": True}


def test_healthz_answers_503_before_the_probe_gives_up_when_the_store_hangs() -> None:
    """A deadline check, not a timing: the answer must come at all within the probe's 4 s
    (the check itself is cut at 2 s); before, /healthz waited for the store for ever."""
    frozen = FrozenStore()
    web = build_web_app(None, lambda: check_health(cast(Store, frozen), lambda: True))
    assert HEALTH_DEADLINE <= DOCKER_PROBE_TIMEOUT / 2
    try:
        with serve_in_thread(web) as (url, _stop):
            response = httpx.get(f"{url}/healthz", timeout=DOCKER_PROBE_TIMEOUT)
            assert response.status_code == 503
            assert response.json()["ok"] is False
            assert "health check took over 2 s" in response.json()["error"]
    finally:
        frozen.release.set()


def test_in_socket_mode_a_socket_down_is_a_503(
    standin: SlackStandIn, sqlite_store: SqliteStore
) -> None:
    """The real connection's status, read through /healthz as the probe reads it."""
    with FakeSocketServer() as server, connected(standin, server, sqlite_store) as socket:
        web = build_web_app(None, lambda: check_health(sqlite_store, lambda: True,
                                                       socket.status))
        with serve_in_thread(web) as (url, _stop):
            up = httpx.get(f"{url}/healthz", timeout=DOCKER_PROBE_TIMEOUT)
            assert up.status_code == 200
            assert up.json()["ok"] is True and up.json()["socket"]["connected"] is True
            assert 0 <= up.json()["socket"]["last_message_age_s"] < 60

            server.refuse_connections = True
            server.close_connection()
            down = httpx.get(f"{url}/healthz", timeout=DOCKER_PROBE_TIMEOUT)
            while down.status_code == 200:  # until the loss is seen (at once: a close)
                down = httpx.get(f"{url}/healthz", timeout=DOCKER_PROBE_TIMEOUT)
    assert down.status_code == 503
    assert down.json()["socket"]["connected"] is False
    assert down.json() | {"socket": None} == {"ok": False, "store": True, "scheduler": True,
                                              "socket": None}


def test_before_its_first_message_the_socket_age_is_unknown() -> None:
    assert SocketStatus(False, None).as_dict() == {"connected": False,
                                                   "last_message_age_s": None}
