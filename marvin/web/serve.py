"""`marvin serve`: the Slack app (HTTP or Socket Mode), the runs dashboard and the flow
scheduler, served from one `marvin.app.Marvin`."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from marvin.app import Marvin, open_marvin
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.slack.oauth import handle_oauth
from marvin.store.base import Store, deadline
from marvin.store.firestore.indexes import QUERIES, missing_indexes
from marvin.store.run_history import RunHistory
from marvin.store.teams import default_team
from marvin.web.api import api_routes
from marvin.web.dashboard import dashboard_routes
from marvin.web.http import SlackHandler, build_web_app
from marvin.web.jobs import jobs_routes
from marvin.web.jobs_auth import JobsAuth
from marvin.web.shutdown import finish_runs_of
from marvin.web.standup_pages import standup_routes
from marvin.web.workspace_param import WorkspaceData, workspace_data
from marvin.workspace_schedules import WorkspaceSchedulers

if TYPE_CHECKING:
    from starlette.routing import Route

    from marvin.slack.app import App
    from marvin.slack.socket_mode import SocketMode, SocketStatus, SocketTiming

log = logging.getLogger("marvin.web.serve")

HEALTH_STORE_BUDGET = 1.5
"""Seconds the store gets to answer a health check. Docker's probe (Dockerfile) gives up
after 4 s and counts that as a failure without reading anything: a dead or frozen store
must be reported as a 503 well before then (`marvin.web.http` also cuts the check at 2 s)."""


HEALTH_PROBE_TEAM = "marvin-health-probe"
"""The team /healthz reads (it need not exist): a round trip that costs one read."""


def check_health(
    store: Store,
    scheduler_running: Callable[[], bool],
    socket: Callable[[], SocketStatus] | None = None,
    *,
    external_scheduler: bool = False,
) -> dict[str, Any]:
    """The /healthz report: one store round trip under `HEALTH_STORE_BUDGET`, the
    scheduler (``"external"`` when POST /jobs fires the slots: nothing runs in-process
    to be checked), and in Socket Mode the socket (not ok while it is down); never raises."""
    try:
        with deadline(HEALTH_STORE_BUDGET):
            # one document, whatever the number of teams: the probe runs every 30 s, and
            # on Firestore each document read is billed
            store.get_team(HEALTH_PROBE_TEAM)
        store_ok = True
    except Exception as exc:  # report, do not raise: this is the health check
        log.warning("health check: store unreachable: %s", exc)
        store_ok = False
    running = True if external_scheduler else scheduler_running()
    report: dict[str, Any] = {"ok": store_ok and running, "store": store_ok,
                              "scheduler": "external" if external_scheduler else running}
    if socket is not None:
        status = socket()
        report["socket"] = status.as_dict()
        report["ok"] = report["ok"] and status.connected
    return report


def serve(settings: Settings, preflight: Callable[[Marvin], None] | None = None) -> None:
    """Run until interrupted (Ctrl-C or SIGTERM), then stop gracefully: no new requests
    or runs, runs in progress given MARVIN_SHUTDOWN_GRACE_SECONDS (`finish_runs`). Fails
    fast (SettingsError) when Slack settings are missing.

    Args:
        preflight: checks the configuration against the store and Slack once Slack has
            accepted the token (so an unreachable Slack is reported once, by the app).
    """
    import uvicorn

    finished = True
    settings.require_jobs_auth()
    external = settings.scheduler == "external"
    with open_marvin(settings) as marvin:
        bolt = marvin.bolt()
        if preflight is not None:
            preflight(marvin)
        scheduler = marvin.scheduler()
        warn_missing_indexes(marvin.history)
        with slack_requests(bolt, settings) as (slack_handler, socket):
            web = build_web_app(
                slack_handler,
                functools.partial(check_health, marvin.store, lambda: scheduler.running,
                                  socket.status if socket is not None else None,
                                  external_scheduler=external),
                extra_routes=[*_dashboard_routes(settings, marvin.store, marvin.history,
                                                 workspace_data(marvin)),
                              *jobs_routes(settings, scheduler, jobs_auth(settings),
                                           marvin.now)],
                slack_threads=settings.slack_thread_count(),
                oauth_handler=(functools.partial(handle_oauth, bolt)
                               if settings.oauth_mode else None),
            )
            if external:
                log.info("MARVIN_SCHEDULER=external: slots run when POST /jobs/{flow} "
                         "asks; the scheduler only renews claims, takes over and prunes")
            if isinstance(scheduler, WorkspaceSchedulers):
                scheduler.start(fire=not external, wait=False)  # answer /healthz meanwhile
            else:
                scheduler.start(fire=not external)
            try:
                with sigterm_ends_serving():
                    # external: a job's run is a request; uvicorn gives it the grace period
                    uvicorn.run(web, host=settings.host, port=settings.port, log_level="info",
                                timeout_graceful_shutdown=(
                                    round(settings.shutdown_grace_seconds) if external
                                    else None))
            finally:  # HTTP stopped accepting; now the socket, then the runs
                scheduler.stop_firing()
                if socket is not None:
                    socket.close()
                    log.info("Socket Mode connection closed")
                finished = finish_runs_of(
                    scheduler, [(m.services.outbox, m.history) for m in marvin.serving()],
                    settings.shutdown_grace_seconds, marvin.now)
                scheduler.shutdown(wait=finished)
                log.info("scheduler shut down")
    if not finished:
        _exit_now()


def _exit_now() -> None:
    """End the process although run threads are still inside a call (their sends are
    handed over and they can post nothing more): the interpreter would wait for them."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


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
    log.info("SIGTERM: stopped serving; closing Slack's connection, then finishing runs")


@contextmanager
def slack_requests(
    bolt: App, settings: Settings, timing: SocketTiming | None = None
) -> Iterator[tuple[SlackHandler | None, SocketMode | None]]:
    """How Slack's requests reach the Bolt app: over Socket Mode when an app token is set
    (the connection, kept for the block; no HTTP handler), else as HTTP requests (the
    handler; no connection)."""
    if not settings.socket_mode or settings.slack_app_token is None:
        yield functools.partial(dispatch, bolt), None
        return
    from marvin.slack.socket_mode import start_socket_mode

    socket = start_socket_mode(bolt, settings.slack_app_token.get_secret_value(), timing)
    try:
        yield None, socket
    finally:
        socket.close()


def jobs_auth(settings: Settings) -> JobsAuth:
    """Who may call POST /jobs, from MARVIN_JOBS_TOKEN / _AUDIENCE / _SERVICE_ACCOUNT."""
    token = settings.jobs_token.get_secret_value() if settings.jobs_token else None
    return JobsAuth(token=token or None, audience=settings.jobs_audience or None,
                    service_account=settings.jobs_service_account or None,
                    certs_url=settings.jobs_certs_url)


def _dashboard_routes(settings: Settings, store: Store, history: RunHistory,
                      workspaces: WorkspaceData | None = None) -> list[Route]:
    token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else None
    log.info(
        "dashboard at /runs and /standups" if token
        else "dashboard off: set MARVIN_DASHBOARD_TOKEN"
    )
    return [*dashboard_routes(history, token, workspaces=workspaces),
            *standup_routes(store, history, token, default_team(settings),
                            workspaces=workspaces),
            *api_routes(store, settings, token, workspaces=workspaces)]
