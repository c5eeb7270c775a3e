"""The composition root: concrete classes wired together from settings.

`marvin.cli` commands and `marvin serve` call these; tests call them with their own
settings, so what runs in production is what the end-to-end tests run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TextIO

from flows import get_flow
from marvin.engine import Executor, FlowRun, LocalExecutor, ThreadExecutor
from marvin.services import Services, use_services, utc_now
from marvin.settings import Settings
from marvin.slack.dry_run import DryRunChat
from marvin.slack.protocol import ChatAPI
from marvin.store import Store, open_store


def build_store(settings: Settings) -> Store:
    return open_store(settings.store, project=settings.google_cloud_project)


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
    return SlackWebChat(token.get_secret_value(), settings.slack_api_url)


def build_executor(settings: Settings) -> Executor:
    if settings.executor == "threads":
        return ThreadExecutor(max_workers=settings.max_workers)
    return LocalExecutor()


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
        store=store,
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
) -> FlowRun:
    """Run one of Marvin's flows with its services in context."""
    flow = get_flow(name)
    with use_services(services):
        return flow.run(
            parameters=parameters,
            executor=executor or build_executor(services.settings),
            scheduled_start_time=scheduled_start.timestamp() if scheduled_start else None,
        )
