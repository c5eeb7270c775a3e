"""`marvin serve`: the Slack app (HTTP or Socket Mode), the runs dashboard and the flow
scheduler, served from one `marvin.app.Marvin`."""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from marvin.app import Marvin, open_marvin
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.store.base import Store, deadline
from marvin.store.firestore.indexes import QUERIES, missing_indexes
from marvin.store.run_history import RunHistory
from marvin.store.teams import default_team
from marvin.web.dashboard import dashboard_routes
from marvin.web.http import SlackHandler, build_web_app
from marvin.web.standup_pages import standup_routes

if TYPE_CHECKING:
    from starlette.routing import Route

    from marvin.slack.app import App

log = logging.getLogger("marvin.web.serve")

HEALTH_STORE_BUDGET = 1.5
"""Seconds the store gets to answer a health check. Docker's probe (Dockerfile) gives up
after 4 s and counts that as a failure without reading anything: a dead or frozen store
must be reported as a 503 well before then (`marvin.web.http` also cuts the check at 2 s)."""


def check_health(store: Store, scheduler_running: Callable[[], bool]) -> dict[str, Any]:
    """The /healthz report: one store round trip under `HEALTH_STORE_BUDGET`, and the
    scheduler; never raises."""
    try:
        with deadline(HEALTH_STORE_BUDGET):
            store.list_teams()
        store_ok = True
    except Exception as exc:  # report, do not raise: this is the health check
        log.warning("health check: store unreachable: %s", exc)
        store_ok = False
    running = scheduler_running()
    return {"ok": store_ok and running, "store": store_ok, "scheduler": running}


def serve(settings: Settings, preflight: Callable[[Marvin], None] | None = None) -> None:
    """Run until interrupted. Fails fast (SettingsError) when Slack settings are missing.

    Args:
        preflight: checks the configuration against the store and Slack once Slack has
            accepted the token (so an unreachable Slack is reported once, by the app).
    """
    import uvicorn

    with open_marvin(settings) as marvin:
        bolt = marvin.bolt()
        if preflight is not None:
            preflight(marvin)
        scheduler = marvin.scheduler()
        warn_missing_indexes(marvin.history)
        with slack_requests(bolt, settings) as slack_handler:
            web = build_web_app(
                slack_handler,
                functools.partial(check_health, marvin.store, lambda: scheduler.running),
                extra_routes=_dashboard_routes(settings, marvin.store, marvin.history),
                slack_threads=settings.slack_thread_count(),
            )
            scheduler.start()
            try:
                with sigterm_ends_serving():
                    uvicorn.run(web, host=settings.host, port=settings.port, log_level="info")
            finally:
                scheduler.shutdown()
                log.info("scheduler shut down")


INDEX_CHECK_BUDGET = 10.0  # seconds for the start-up index check: a slow store delays start


def warn_missing_indexes(history: RunHistory) -> list[str]:
    """Log a warning for each composite index the database lacks (queries that need it
    would fail), or for a check that could not run; never raises: serving goes on.
    Returns the lines logged."""
    try:
        with deadline(INDEX_CHECK_BUDGET):
            missing = missing_indexes(history)
    except Exception as exc:  # a warning, not a crash: the store may come back
        lines = [f"could not check Firestore's composite indexes: {exc}"]
    else:
        lines = [f"Firestore index missing: {m.index}, so {QUERIES[m.query]} fails; "
                 f"create it: {m.command}" for m in missing]
    for line in lines:
        log.warning("%s", line)
    return lines


@contextmanager
def sigterm_ends_serving() -> Iterator[None]:
    """SIGTERM (docker stop, Kubernetes, Cloud Run) ends serving as Ctrl-C does, and the
    clean-up after it runs: uvicorn stops on the signal, then raises it again, which by
    default would kill the process before the scheduler and the socket are closed."""
    if threading.current_thread() is not threading.main_thread():  # signals: main only
        yield
        return
    previous = signal.signal(signal.SIGTERM, _note_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _note_sigterm(signum: int, frame: FrameType | None) -> None:
    log.info("SIGTERM: stopped serving; closing the scheduler and Slack's connection")


@contextmanager
def slack_requests(bolt: App, settings: Settings) -> Iterator[SlackHandler | None]:
    """How Slack's requests reach the Bolt app: over Socket Mode when an app token is set
    (connected for the block; no HTTP handler), else as HTTP requests (the handler)."""
    if not settings.socket_mode or settings.slack_app_token is None:
        yield functools.partial(dispatch, bolt)
        return
    from marvin.slack.socket_mode import start_socket_mode

    socket_handler = start_socket_mode(bolt, settings.slack_app_token.get_secret_value())
    try:
        yield None
    finally:
        socket_handler.close()  # type: ignore[no-untyped-call]


def _dashboard_routes(settings: Settings, store: Store, history: RunHistory) -> list[Route]:
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else None
    log.info(
        "dashboard at /runs and /standups" if token
        else "dashboard off: set MARVIN_DASHBOARD_TOKEN"
    )
    return [*dashboard_routes(history, token),
            *standup_routes(store, history, token, default_team(settings))]
