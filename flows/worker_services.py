"""The run's services on a Dask worker: described in the parent, built once per worker
process from that description, and what the tasks did there brought back to the run.

Example::

    with carry_services(services):         # what `marvin.app.run_flow` does on Dask
        flow.run(executor=DaskExecutor())

    # in each worker, around each task run: services() is this worker's own Services,
    # built from the description the first time and reused; the Slack and store calls
    # and the events published come back with the task run, to the run's history

Tasks read `services()` from a context variable, which Dask workers (other processes)
do not share. So a run on a remote executor carries a `ServicesDescription` (settings as
values, the dry-run flag, the workspace, the clock), and each worker opens its own store
and Slack client from it, once per description, closed when the worker process exits.
The delivery claims live in the store, which every process shares, so a send is still
at most once when Dask retries a task on another worker. In-process executors never see
this: their tasks use the parent's services.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import pickle
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TextIO, cast

from flows.services import Services, use_services
from marvin.domain.clock import utc_now
from marvin.domain.events import Event
from marvin.domain.workspace import Workspace
from marvin.engine.carried import carry_to_workers
from marvin.history.events import collecting, pass_on
from marvin.history.observed_store import ObservedStore
from marvin.history.recorder import current_recorder, emit_event, recording
from marvin.settings import Settings, SettingsError
from marvin.slack.dry_run import DryRunChat
from marvin.slack.followed_token import FollowedToken
from marvin.slack.protocol import ChatAPI
from marvin.store import Store, open_installations, open_store

log = logging.getLogger("marvin.workers")


def open_chat(
    settings: Settings, *, dry_run: bool = False, out: TextIO | None = None,
    token: str | FollowedToken | None = None,
) -> ChatAPI:
    """The real Slack client, or a printer for --dry-run (which needs no Slack settings);
    each call it makes is an event of the run making it. `token`: a workspace's bot token
    (OAuth mode: followed, so a reinstall's new token is used at once); None:
    SLACK_BOT_TOKEN."""
    if dry_run:
        return DryRunChat(out or sys.stdout)
    from marvin.slack.client import SlackWebChat

    if token is None:
        configured = settings.slack_bot_token
        token = configured.get_secret_value() if configured is not None else None
    if token is None or not (token.value if isinstance(token, FollowedToken) else token):
        raise SettingsError(
            "SLACK_BOT_TOKEN must be set to send to Slack (see README, 'Slack app setup'); "
            "use --dry-run to see what would be sent without Slack"
        )
    return SlackWebChat(
        token,
        settings.slack_api_url,
        on_call=lambda e: emit_event("slack", e.method, e.target, e.outcome, e.duration_s),
    )


@dataclass(frozen=True)
class ServicesDescription:
    """What a worker needs to build a run's services: values only, so it pickles (a
    SecretStr keeps its value through pickling). `key` names it in the workers' caches."""

    settings: Settings
    dry_run: bool = False
    workspace: Workspace | None = None  # None: single-token mode's one workspace
    now: Callable[[], dt.datetime] = utc_now
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Computed here, in the parent, once; it travels with the description.
        parts = (self.settings, self.dry_run, self.workspace, self.now)
        try:
            key = _digest(pickle.dumps(parts, protocol=5))
        except Exception:  # a clock pickle cannot name (a lambda): unique, not shared
            key = uuid.uuid4().hex
        object.__setattr__(self, "key", key)

    @classmethod
    def of(cls, services: Services, workspace: Workspace | None = None) -> ServicesDescription:
        return cls(services.settings, services.dry_run, workspace, services.now)


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def open_store_for(description: ServicesDescription) -> Store:
    """The one place a worker opens its store, so the one place its workspace goes: the
    run's workspace's namespace (None: single-token mode's)."""
    settings = description.settings
    return open_store(settings.store, project=settings.google_cloud_project,
                      workspace=description.workspace)


def token_for(description: ServicesDescription) -> FollowedToken | None:
    """The bot token a worker sends with: the run's workspace's, read from the
    installations opened here from the settings (tokens never travel in a description)
    and read again when Slack refuses it (a reinstall gave a new one: this worker's
    services, kept for the process, follow it); None for single-token mode's
    SLACK_BOT_TOKEN. SettingsError when the workspace has none (uninstalled, or its
    tokens were revoked)."""
    workspace = description.workspace
    if workspace is None or description.dry_run:
        return None
    token = _installed_token(description.settings, workspace)
    if not token:
        raise SettingsError(f"workspace {workspace.key} has no bot token (uninstalled, or its "
                            "tokens were revoked): reinstall Marvin there")
    return FollowedToken(token, lambda: _installed_token(description.settings, workspace),
                         name=workspace.key)


def _installed_token(settings: Settings, workspace: Workspace) -> str | None:
    key, previous = settings.require_encryption_keys()
    installations = open_installations(settings.store, key, previous,
                                       project=settings.google_cloud_project)
    try:
        return installations.bot_token(workspace)
    finally:
        installations.close()


def open_services(description: ServicesDescription) -> Services:
    """A worker's Services, opened from the description (the store, then Slack)."""
    store = open_store_for(description)
    try:
        chat = open_chat(description.settings, dry_run=description.dry_run,
                         token=token_for(description))
    except BaseException:
        store.close()
        raise
    return Services(
        store=cast(Store, ObservedStore(store)),
        chat=chat,
        settings=description.settings,
        now=description.now,
        dry_run=description.dry_run,
    )


_opened: dict[str, Services] = {}
_opened_lock = threading.Lock()


def services_here(description: ServicesDescription) -> Services:
    """This process's Services for `description`: opened the first time, then reused by
    every task run (a worker runs thousands of them); closed when the process exits."""
    with _opened_lock:
        services = _opened.get(description.key)
        if services is None:
            if not _opened:
                atexit.register(close_services_here)
            services = _opened[description.key] = open_services(description)
        return services


def close_services_here() -> None:
    """Close every store this process opened for workers (at exit; a worker's teardown)."""
    with _opened_lock:
        opened = list(_opened.values())
        _opened.clear()
        atexit.unregister(close_services_here)
    for services in opened:
        try:
            services.store.close()
        except Exception:  # the process is ending: the next one must still close
            log.warning("closing a worker's store failed", exc_info=True)


Call = tuple[str, str, str, str, float, str | None, dt.datetime]


@dataclass
class WorkerReport:
    """What one task run did on a worker, sent back with it: its Slack and store calls
    (as `emit_event` saw them) and the events it published."""

    calls: list[Call] = field(default_factory=list)
    published: list[Event] = field(default_factory=list)

    def add_event(
        self, system: str, method: str, target: str, outcome: str, duration_s: float,
        task_run_id: str | None, at: dt.datetime | None = None,
    ) -> None:
        when = at or dt.datetime.now(dt.UTC)
        self.calls.append((system, method, target, outcome, duration_s, task_run_id, when))

    def __bool__(self) -> bool:
        return bool(self.calls or self.published)


@dataclass(frozen=True)
class ServicesOnWorkers:
    """The `Carried` of Marvin's runs (`marvin.engine.carried`): services in, report out."""

    description: ServicesDescription

    @contextmanager
    def on_worker(self) -> Iterator[WorkerReport]:
        report = WorkerReport()
        with use_services(services_here(self.description)), recording(report), \
                collecting() as published:
            yield report
        report.published.extend(published)

    def arrived(self, report: WorkerReport) -> None:
        """In the run's process: the calls into the run's history (redacted there, as
        local calls are), the events on to the run's automations."""
        recorder = current_recorder()
        if recorder is not None:
            for system, method, target, outcome, duration_s, task_run_id, at in report.calls:
                recorder.add_event(system, method, target, outcome, duration_s, task_run_id,
                                   at=at)
        for event in report.published:
            pass_on(event)


def carry_services(
    services: Services, workspace: Workspace | None = None
) -> AbstractContextManager[object]:
    """Give the remote workers of the runs started in the block these services' twins."""
    return carry_to_workers(ServicesOnWorkers(ServicesDescription.of(services, workspace)))


def services_opened_here() -> list[str]:
    """The descriptions (keys) this process has opened services for: what a worker reuses."""
    with _opened_lock:
        return list(_opened)
