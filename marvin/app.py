"""The composition root: settings -> store, run history, Slack client, executor, services,
the Bolt app and the scheduler, opened in one place and closed in one place.

`open_marvin` is what `marvin serve`, every CLI command and the benchmarks use; the
`build_*` functions are its parts, which tests call with their own settings, so what runs
in production is what the end-to-end tests run.

Example:
    >>> with open_marvin(load_settings(), dry_run=True) as marvin:  # doctest: +SKIP
    ...     marvin.run_flow("reminder", {"team": "default"})
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO, cast

from flows import get_flow
from flows.automations import run_automations
from flows.services import Services, use_services
from flows.worker_services import carry_services, open_chat
from marvin.domain.clock import utc_now
from marvin.domain.events import Event
from marvin.domain.workspace import Workspace
from marvin.domain.workspace_choice import choose_workspace
from marvin.engine import Executor, FlowRun, LocalExecutor, ThreadExecutor
from marvin.history.events import collecting, set_sink
from marvin.history.observed_store import ObservedStore
from marvin.history.recorder import HistoryRecorder, recording
from marvin.history.recovery import close_dead_runs
from marvin.history.redact import Redactor
from marvin.settings import Settings
from marvin.slack.followed_token import FollowedToken
from marvin.slack.protocol import ChatAPI
from marvin.store import (
    Installations,
    Store,
    adopt_unscoped_data,
    open_history,
    open_installations,
    open_store,
)
from marvin.store.installed import InstalledWorkspaces
from marvin.store.run_history import RunHistory

if TYPE_CHECKING:
    from marvin.scheduler import FlowScheduler
    from marvin.slack.app import App
    from marvin.workspace_schedules import WorkspaceSchedulers

log = logging.getLogger("marvin.app")


def build_store(settings: Settings, workspace: Workspace | None = None) -> Store:
    """The store of `workspace`'s namespace (None: single-token mode's)."""
    return open_store(settings.store, project=settings.google_cloud_project,
                      workspace=workspace)


def build_history(settings: Settings, workspace: Workspace | None = None) -> RunHistory:
    """The run history of `workspace`'s namespace (None: single-token mode's)."""
    return open_history(settings.store, project=settings.google_cloud_project,
                        workspace=workspace)


def build_installations(settings: Settings) -> Installations | None:
    """OAuth mode's installations, next to the store; None in single-token mode."""
    if not settings.oauth_mode:
        return None
    key, previous = settings.require_encryption_keys()
    return open_installations(settings.store, key, previous, project=settings.google_cloud_project)


def build_installed(settings: Settings) -> InstalledWorkspaces | None:
    """The workspaces Marvin is installed in with OAuth (its `Installations`, the one
    `InstalledWorkspaces`); None in single-token mode (SLACK_CLIENT_ID unset), where
    Marvin serves the one workspace of SLACK_BOT_TOKEN."""
    return build_installations(settings)


def build_chat(
    settings: Settings, *, dry_run: bool = False, out: TextIO | None = None,
    token: str | FollowedToken | None = None,
) -> ChatAPI:
    """The real Slack client, or a printer for --dry-run (which needs no Slack settings).
    `token`: a workspace's bot token in OAuth mode (followed: see `FollowedToken`), else
    SLACK_BOT_TOKEN is used."""
    return open_chat(settings, dry_run=dry_run, out=out, token=token)


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
    workspace: Workspace | None = None,
) -> FlowRun:
    """Run one of Marvin's flows with its services in context, recorded into `history`
    (when given) with its Slack and store calls as events; then, each in a run of its own,
    the automations its published events trigger (`flows/automations.py`; not on a dry run).
    A run for a `workspace` is recorded with the workspace among its parameters."""
    flow = get_flow(name)
    executor = executor or build_executor(services.settings)
    recorder = None
    if history is not None:
        recorder = HistoryRecorder(
            history, flow, Redactor(services.settings.secret_values()),
            recorded_with={} if workspace is None else {"workspace": workspace.key},
        )
    # Dask workers build their own twins of `services`, in the run's workspace
    # (flows/worker_services.py).
    remote = carry_services(services, workspace) if getattr(executor, "runs_remotely", False) \
        else nullcontext()
    with use_services(services), remote, recording(recorder) if recorder else nullcontext(), \
            collecting() as events:
        result = flow.run(
            parameters=parameters,
            executor=executor,
            scheduled_start_time=scheduled_start.timestamp() if scheduled_start else None,
            recorder=recorder,
        )
    if events and not services.dry_run:
        def automation(flow_name: str, params: dict[str, object]) -> FlowRun:
            return run_flow(flow_name, params, services, executor=executor, history=history,
                            workspace=workspace)

        run_automations(events, services.store, services.now, automation)
    return result


class Marvin:
    """One process's Marvin: each part is built from the settings on first use (a command
    that only reads the history never opens the store) and `close` closes what was opened.

    Built by `open_marvin`; the order in which a caller first touches the parts is the order
    in which their errors are reported, as each command always reported them.

    In OAuth mode (`installed` given) this Marvin is the process's root: its own parts are
    the unscoped namespace's, and `of(workspace)` gives each installed workspace a Marvin
    of its own (its store, history, Slack client with its token, services), built on first
    use, kept, and closed with the root. In single-token mode there is one implicit
    workspace, None, and `of(None)` is this Marvin.

    A workspace's bot token is a `FollowedToken` its Slack clients read at each call, so a
    reinstall's new token is taken without rebuilding anything (docs/architecture.md).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        dry_run: bool = False,
        out: TextIO | None = None,
        now: Callable[[], dt.datetime] = utc_now,
        installed: InstalledWorkspaces | None = None,
        workspace: Workspace | None = None,
        token: str | None = None,
        read_token: Callable[[], str | None] | None = None,
    ) -> None:
        """`token`: the workspace's bot token (OAuth mode), `read_token` reads it again
        from its installation."""
        self.settings = settings
        self.dry_run = dry_run
        self.now = now
        self._out = out
        self.installed = installed
        self.workspace = workspace
        self.token = None if token is None and read_token is None else FollowedToken(
            token or "", read_token, name=workspace.key if workspace else "")
        self._workspaces: dict[str, Marvin] = {}  # by key
        self._workspaces_lock = threading.Lock()
        self._adopted = False  # the unscoped data's adopter is settled (for this process)

    def of(self, workspace: Workspace | None, *, listed: bool = False) -> Marvin:
        """`workspace`'s Marvin (kept for the process); this one for None. `listed`: the
        caller has just read `workspace` among the installed ones (not read again).

        The first time, the single-token data is adopted by the first installed workspace
        if no workspace adopted it yet (`marvin.store.namespaces`).

        Raises:
            UnknownWorkspace: Marvin is not installed in `workspace`, or this is
                single-token mode and `workspace` is not None.
        """
        if workspace is None:
            return self
        with self._workspaces_lock:
            known = self._workspaces.get(workspace.key)
            if known is not None:
                return known
            # one read of the installations per workspace would be quadratic in a sync of
            # hundreds: a `listed` workspace was just read there, the adoption is done once
            installed = None if self.installed is None else (
                [] if listed and self._adopted else self.installed.workspaces())
            # by key: a request may name a Grid team with its enterprise, or without
            chosen = workspace if listed and installed is not None else \
                choose_workspace(installed, workspace.key)
            assert chosen is not None and installed is not None and self.installed
            if not self._adopted:
                adopt_unscoped_data(self.settings.store,
                                    project=self.settings.google_cloud_project,
                                    first=installed[0])
                self._adopted = True
            installations = self.installed
            known = Marvin(self.settings, dry_run=self.dry_run, out=self._out, now=self.now,
                           workspace=chosen, token=installations.bot_token(chosen) or "",
                           read_token=lambda: installations.bot_token(chosen))
            self._workspaces[chosen.key] = known
            return known

    def choose(self, given: str | None) -> Workspace | None:
        """The workspace a caller names by key (`choose_workspace`); UnknownWorkspace."""
        return choose_workspace(None if self.installed is None else self.installed.workspaces(),
                                given)

    def serving(self) -> list[Marvin]:
        """The Marvins with runs to finish at shutdown: this one in single-token mode, the
        workspaces' built so far in OAuth mode."""
        if self.installed is None:
            return [self]
        with self._workspaces_lock:
            return list(self._workspaces.values())

    def forget(self, workspace: Workspace) -> None:
        """Close and drop `workspace`'s Marvin (it was uninstalled); no-op when not built."""
        with self._workspaces_lock:
            gone = self._workspaces.pop(workspace.key, None)
        if gone is not None:
            gone.close()

    def follow_installation(self, workspace: Workspace) -> None:
        """`workspace` was just (re)installed here: its runtime, if built, takes the
        installation's bot token now (the next run and request use it)."""
        with self._workspaces_lock:
            marvin = self._workspaces.get(workspace.key)
        if marvin is not None and marvin.token is not None:
            marvin.token.follow()

    def follow_installations(self) -> None:
        """Each built workspace's runtime takes its installation's bot token, all read at
        once: what the installation sync does every minute, so a reinstall through
        another replica is followed here too."""
        installations = self.installations
        if installations is None:
            return
        tokens = installations.bot_tokens()
        for marvin in self.serving():
            if marvin.token is not None and marvin.workspace is not None:
                marvin.token.offer(tokens.get(marvin.workspace.key))

    def store_of(self, workspace: Workspace | None) -> Store:
        """The store a Slack request from `workspace` reads and writes. Single-token
        mode has one store, whatever workspace a request names."""
        return self.store if self.installed is None else self.of(workspace).store

    def token_of(self, workspace: Workspace | None) -> str:
        """The bot token a Slack request from `workspace` is answered with (OAuth mode),
        the one Bolt just read from its installation (kept as the workspace's too): ""
        for a request that names no workspace, or one whose tokens were revoked (Slack then
        refuses the call, and the listener says so); UnknownWorkspace for one Marvin is
        not installed in."""
        from marvin.slack.routing import request_token

        if workspace is None:
            return ""
        token = self.of(workspace).token
        if token is None:
            return ""
        token.offer(request_token())
        return token.value

    @cached_property
    def store(self) -> Store:
        return build_store(self.settings, self.workspace)

    @cached_property
    def installations(self) -> Installations | None:
        """The workspaces Marvin was installed into with OAuth (None in single-token mode);
        the `installed` ones when those are the installations (as `open_marvin` opens)."""
        if isinstance(self.installed, Installations):
            return self.installed
        return build_installations(self.settings)

    @cached_property
    def history(self) -> RunHistory:
        return build_history(self.settings, self.workspace)

    def history_without_dead_runs(self) -> RunHistory:
        """The history, with the runs of processes that died closed as crashed first (so a
        killed run shows as crashed, not as running for ever)."""
        close_dead_runs(self.history, self.now())
        return self.history

    @cached_property
    def chat(self) -> ChatAPI:
        """The Slack client of this process (a printer on a dry run); in OAuth mode, the
        workspace's (with its bot token)."""
        if self.workspace is not None and not (self.token and self.token.value) \
                and not self.dry_run:
            from marvin.settings import SettingsError

            raise SettingsError(f"workspace {self.workspace.key} has no bot token (uninstalled, "
                                "or its tokens were revoked): reinstall Marvin there")
        return build_chat(self.settings, dry_run=self.dry_run, out=self._out, token=self.token)

    @cached_property
    def executor(self) -> Executor:
        """The executor of Marvin's flows; SettingsError when Dask is not installed."""
        return build_executor(self.settings)

    @cached_property
    def services(self) -> Services:
        return build_services(
            self.settings, self.store, dry_run=self.dry_run, now=self.now, chat=self.chat
        )

    def bolt(self) -> App:
        """The Bolt app answering Slack; SettingsError when Slack settings are missing.

        Events its listeners publish (a blocker saved, a member deactivated in Slack) run
        their automations on this process's automation worker, one at a time, after the
        request was answered."""
        from marvin.slack.app import build_app

        tokens = None if self.installed is None else self.token_of
        app = build_app(self.settings, self.store_of, self.now, tokens=tokens,
                        installations=self.installations,
                        on_installed=self.follow_installation)
        if not self.dry_run:
            set_sink(self.automate_later)
            self._sink_set = True
        return app

    @cached_property
    def _automation_worker(self) -> ThreadPoolExecutor:
        # In-process and one at a time: automations are short and rare; a replica that
        # dies with one queued loses it, a replica that claimed it first runs it.
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="marvin-automation")

    def automate_later(self, event: Event) -> Future[list[FlowRun]]:
        """Run the automations `event` triggers on the automation worker, in the workspace
        of the Slack request that published it."""
        from marvin.slack.routing import request_workspace

        marvin = self.of(request_workspace()) if self.installed is not None else self
        return self._automation_worker.submit(marvin.automate, event)

    def automate(self, event: Event) -> list[FlowRun]:
        """Run the automations `event` triggers, now (each at most once per event id)."""
        self.prepare_runs()
        return run_automations([event], self.services.store, self.now, self.run_flow)

    def prepare_runs(self) -> None:
        """Build now what every run needs (the services with their Slack client, the
        executor, the history), so a missing Slack token or a missing Dask fails at
        start-up rather than at the first run."""
        # In OAuth mode there is no one Slack token: each installed workspace has its own.
        _ = self.executor if self.settings.oauth_mode else (self.services, self.executor)
        if not self.dry_run:
            _ = self.history

    def run_flow(
        self,
        name: str,
        parameters: dict[str, object],
        *,
        scheduled_start: dt.datetime | None = None,
    ) -> FlowRun:
        """Run a flow now; recorded in the history unless this is a dry run (which sends
        nothing, so there is nothing to record)."""
        return run_flow(
            name,
            parameters,
            self.services,
            executor=self.executor,
            scheduled_start=scheduled_start,
            history=None if self.dry_run else self.history,
            workspace=self.workspace,
        )

    def scheduler(self) -> FlowScheduler | WorkspaceSchedulers:
        """Every team's flows on their schedules, each run recorded (started by the caller);
        in OAuth mode, those of every installed workspace (`WorkspaceSchedulers`)."""
        if self.installed is not None:
            from marvin.workspace_schedules import WorkspaceSchedulers

            installed = self.installed
            return WorkspaceSchedulers(
                installed.workspaces,
                lambda workspace, shared: self.of(workspace, listed=True).flow_scheduler(shared),
                forget=self.forget, follow=self.follow_installations,
            )
        return self.flow_scheduler()

    def flow_scheduler(self, shared: Any = None) -> FlowScheduler:
        """This workspace's teams' flows on their schedules; `shared`: the APScheduler
        scheduler of all workspaces (None: one of its own)."""
        from marvin.scheduler import FlowScheduler

        self.prepare_runs()

        def run_scheduled(flow: str, params: dict[str, Any], at: dt.datetime) -> FlowRun:
            result = self.run_flow(flow, params, scheduled_start=at)
            log.info("%s run %s for %s: %s", flow, result.id, params, result.state)
            return result

        return FlowScheduler(
            self.store, self.settings, run=run_scheduled, now=self.now, history=self.history,
            workspace=self.workspace, background=shared,
        )

    def close(self) -> None:
        """Finish queued automations, then close each workspace's parts, the store and the
        history, if they were opened (each only once)."""
        if self.__dict__.pop("_sink_set", False):
            set_sink(None)
        worker = self.__dict__.pop("_automation_worker", None)
        if worker is not None:
            worker.shutdown(wait=True)
        with self._workspaces_lock:
            built, self._workspaces = list(self._workspaces.values()), {}
        for marvin in built:
            marvin.close()
        installations = self.__dict__.pop("installations", None)
        if installations is not None and installations is not self.installed:
            installations.close()  # `installed` is its opener's to close
        for part in ("store", "history"):
            opened = self.__dict__.pop(part, None)
            if opened is not None:
                opened.close()


@contextmanager
def open_marvin(
    settings: Settings,
    *,
    dry_run: bool = False,
    out: TextIO | None = None,
    now: Callable[[], dt.datetime] = utc_now,
    installed: InstalledWorkspaces | None = None,
) -> Iterator[Marvin]:
    """A `Marvin` for the block, closed when it ends, however it ends. `installed`: the
    OAuth installations (default: `build_installed`, None in single-token mode)."""
    opened = build_installed(settings) if installed is None else None
    marvin = Marvin(settings, dry_run=dry_run, out=out, now=now,
                    installed=installed if installed is not None else opened)
    try:
        yield marvin
    finally:
        marvin.close()
        if isinstance(opened, Installations):
            opened.close()
