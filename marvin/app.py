"""The composition root: concrete classes wired together from settings.

`marvin.cli.app` commands and `marvin serve` call these; tests call them with their own
settings, so what runs in production is what the end-to-end tests run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
from typing import TextIO, cast

from flows import get_flow
from flows.services import Services, use_services
from marvin.domain.clock import utc_now
from marvin.engine import Executor, FlowRun, LocalExecutor, ThreadExecutor
from marvin.history.observed_store import ObservedStore
from marvin.history.recorder import HistoryRecorder, emit_event, recording
from marvin.history.redact import Redactor
from marvin.settings import Settings
from marvin.slack.dry_run import DryRunChat
from marvin.slack.protocol import ChatAPI
from marvin.store import Store, open_history, open_store
from marvin.store.run_history import RunHistory


def build_store(settings: Settings) -> Store:
    return open_store(settings.store, project=settings.google_cloud_project)


def build_history(settings: Settings) -> RunHistory:
    return open_history(settings.store, project=settings.google_cloud_project)


def build_chat(settings: Settings, *, dry_run: bool = False, out: TextIO | None = None) -> ChatAPI:
    """The real Slack client, or a printer for --dry-run (which needs no Slack settings)."""
    if dry_run:
        import sys

        return DryRunChat(out or sys.stdout)
    from marvin.slack.client import SlackWebChat

    token = settings.slack_bot_token
    if token is None or not token.get_secret_value():
        from marvin.settings import SettingsError

        raise SettingsError(
            "SLACK_BOT_TOKEN must be set to send to Slack (see README, 'Slack app setup'); "
            "use --dry-run to see what would be sent without Slack"
        )
    return SlackWebChat(
        token.get_secret_value(),
        settings.slack_api_url,
        on_call=lambda e: emit_event("slack", e.method, e.target, e.outcome, e.duration_s),
    )


def build_executor(settings: Settings) -> Executor:
    if settings.executor == "dask":
        from marvin.engine.dask_executor import DaskExecutor

        try:
            return DaskExecutor(settings.dask_address)  # a LocalCluster per run when None
        except ImportError:
            from marvin.settings import SettingsError

            raise SettingsError(
                "MARVIN_EXECUTOR=dask needs Dask, which is not installed: "
                "pip install 'marvin-standup[dask]'"
            ) from None
    if settings.executor == "threads":
        return ThreadExecutor(max_workers=settings.max_workers)
    return LocalExecutor()


REMOTE_EXECUTOR_UNSUPPORTED = (
    "MARVIN_EXECUTOR=dask cannot run Marvin's own flows: their tasks take the store and "
    "the Slack client from the process that starts the run, which Dask workers do not "
    "share. Use MARVIN_EXECUTOR=threads for them (README, 'Distributed mode')"
)


def check_executor_runs_marvin_flows(executor: Executor) -> None:
    """Raise SettingsError, before anything runs, for an executor whose workers are
    other processes (Dask): they cannot see the services set by `use_services`."""
    if getattr(executor, "runs_remotely", False):
        from marvin.settings import SettingsError

        raise SettingsError(REMOTE_EXECUTOR_UNSUPPORTED)


def build_services(
    settings: Settings,
    store: Store,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    chat: ChatAPI | None = None,
) -> Services:
    return Services(
        # each call becomes an event of the run making it (same interface, by delegation)
        store=cast(Store, ObservedStore(store)),
        chat=chat or build_chat(settings, dry_run=dry_run, out=out),
        settings=settings,
        now=now,
        dry_run=dry_run,
    )


def run_flow(
    name: str,
    parameters: dict[str, object],
    services: Services,
    *,
    executor: Executor | None = None,
    scheduled_start: dt.datetime | None = None,
    history: RunHistory | None = None,
) -> FlowRun:
    """Run one of Marvin's flows with its services in context, recorded into `history`
    (when given) with its Slack and store calls as events."""
    flow = get_flow(name)
    executor = executor or build_executor(services.settings)
    check_executor_runs_marvin_flows(executor)
    recorder = None
    if history is not None:
        recorder = HistoryRecorder(history, flow, Redactor(services.settings.secret_values()))
    with use_services(services), recording(recorder) if recorder else nullcontext():
        return flow.run(
            parameters=parameters,
            executor=executor,
            scheduled_start_time=scheduled_start.timestamp() if scheduled_start else None,
            recorder=recorder,
        )
