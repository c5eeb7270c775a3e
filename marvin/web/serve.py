"""`marvin serve`: the Slack app (HTTP or Socket Mode), the runs dashboard and the flow
scheduler, served from one `marvin.app.Marvin`."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from marvin.app import Marvin, open_marvin
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.store.base import Store, deadline
from marvin.web.dashboard import dashboard_routes
from marvin.web.http import build_web_app

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
        store = marvin.store

        def health() -> dict[str, Any]:
            return check_health(store, lambda: scheduler.running)

        socket_handler = None
        slack_handler = None
        if settings.slack_app_token is not None:
            from marvin.slack.socket_mode import start_socket_mode

            socket_handler = start_socket_mode(bolt, settings.slack_app_token.get_secret_value())
        else:
            slack_handler = functools.partial(dispatch, bolt)
        token = settings.dashboard_token.get_secret_value() if settings.dashboard_token else None
        log.info(
            "runs dashboard at /runs" if token else "runs dashboard off: set MARVIN_DASHBOARD_TOKEN"
        )
        web = build_web_app(
            slack_handler,
            health,
            extra_routes=dashboard_routes(marvin.history, token),
            slack_threads=settings.slack_thread_count(),
        )
        scheduler.start()
        try:
            uvicorn.run(web, host=settings.host, port=settings.port, log_level="info")
        finally:
            scheduler.shutdown()
            if socket_handler is not None:
                socket_handler.close()  # type: ignore[no-untyped-call]
