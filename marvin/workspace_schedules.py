"""The scheduler of every installed workspace (OAuth mode): one `FlowScheduler` per
workspace on one shared APScheduler scheduler, following the installations.

Each workspace's jobs are named by the workspace (``T0123/reminder:default``), run
against its own store and recorded in its own history; its slot claims live in its
namespace. Every `SYNC_SECONDS` (and at start) the list of installed workspaces is read
again: a new installation gains its jobs, an uninstalled workspace loses them (and its
runtime is closed), and a reinstalled one's runtime takes its new bot token (`follow`),
without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from marvin.domain.workspace import Workspace
from marvin.domain.workspace_choice import choose_workspace
from marvin.scheduler import FlowScheduler, background_scheduler

log = logging.getLogger("marvin.scheduler")

SYNC_SECONDS = 60  # how soon an install or uninstall changes the jobs
SYNC_JOB = "marvin:sync-workspaces"

class NotScheduled(RuntimeError):
    """An installed workspace whose schedules could not be started."""


BuildScheduler = Callable[[Workspace, Any], FlowScheduler]
"""``build(workspace, shared)``: that workspace's FlowScheduler on the shared scheduler."""


class WorkspaceSchedulers:
    """Every installed workspace's flows on their schedules; what `marvin serve` starts,
    stops and waits for, as it does a single `FlowScheduler`."""

    def __init__(
        self,
        workspaces: Callable[[], list[Workspace]],
        build: BuildScheduler,
        *,
        forget: Callable[[Workspace], None] = lambda _workspace: None,
        follow: Callable[[], None] = lambda: None,
    ) -> None:
        """`workspaces`: the installed ones (`InstalledWorkspaces.workspaces`); `forget`:
        what to do with an uninstalled workspace's runtime once its jobs are gone;
        `follow`: have every workspace's runtime take its installation's bot token (a
        reinstall may have issued a new one), at each sync."""
        self._workspaces = workspaces
        self._build = build
        self._forget = forget
        self._follow = follow
        self._scheduler = background_scheduler()
        self._by_workspace: dict[Workspace, FlowScheduler] = {}
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()  # one sync at a time (its job, or `of`)
        self._catch_up = True
        self._fire = True

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    @property
    def schedulers(self) -> dict[Workspace, FlowScheduler]:
        """The FlowScheduler of each workspace scheduled now."""
        with self._lock:
            return dict(self._by_workspace)

    def start(self, catch_up: bool = True, *, fire: bool = True, wait: bool = True) -> None:
        """Schedule every installed workspace (`FlowScheduler.start`: `fire` False when
        an external scheduler fires the slots), then follow the installations.

        `wait` False schedules them on a thread of their own instead, so `marvin serve`
        answers /healthz at once: with hundreds of workspaces the first sync (each one's
        store opened, its catch-up started) takes minutes, longer than a liveness probe
        waits for a process that does not answer at all."""
        self._catch_up, self._fire = catch_up, fire
        self._scheduler.start()
        if wait:
            self.sync()
        else:  # its own thread, not one of the jobs' threads the catch-ups it starts need
            threading.Thread(target=self.sync, name="marvin-first-sync", daemon=True).start()
        self._scheduler.add_job(self.sync, "interval", seconds=SYNC_SECONDS, id=SYNC_JOB,
                                coalesce=True, max_instances=1)

    def sync(self) -> None:
        """Schedule each newly installed workspace, unschedule each uninstalled one, and
        have the others follow their installation's bot token."""
        with self._sync_lock:
            self._sync()

    def _sync(self) -> None:
        try:
            installed = self._workspaces()
        except Exception:  # a scheduler thread must survive it; the next sync tries again
            log.exception("cannot read the installed workspaces; schedules unchanged")
            return
        with self._lock:
            gone = [w for w in self._by_workspace if w not in installed]
            new = [w for w in installed if w not in self._by_workspace]
        for workspace in gone:
            self._unschedule(workspace)
        try:  # before the new ones are built: they read their token themselves
            self._follow()
        except Exception:  # as above: the calls refused for an old token re-read it anyway
            log.exception("cannot read the installations' tokens; runtimes keep theirs")
        for workspace in new:
            self._schedule(workspace)

    def _schedule(self, workspace: Workspace) -> None:
        try:
            scheduler = self._build(workspace, self._scheduler)
            scheduler.start(catch_up=self._catch_up, fire=self._fire)
        except Exception:  # one workspace's trouble (its store, its token) is not the others'
            log.exception("workspace %s: cannot schedule its flows", workspace.key)
            return
        with self._lock:
            self._by_workspace[workspace] = scheduler
        log.info("workspace %s: scheduled", workspace.key)

    def _unschedule(self, workspace: Workspace) -> None:
        with self._lock:
            scheduler = self._by_workspace.pop(workspace)
        scheduler.shutdown(wait=False)  # its jobs go; a run in progress ends by itself
        self._forget(workspace)
        log.info("workspace %s: uninstalled, its schedules stopped", workspace.key)

    def of(self, given: str | None) -> FlowScheduler:
        """The scheduler of the workspace `given` names by key (`choose_workspace`: may be
        left out when one is installed), scheduling it first if it was installed since
        the last sync.

        Raises:
            UnknownWorkspace: `given` is not installed, or none given with several.
            NotScheduled: its schedules could not be started (logged; a retry may do).
        """
        workspace = choose_workspace(self._workspaces(), given)
        assert workspace is not None  # OAuth mode: installed is a list
        scheduler = self.schedulers.get(workspace)
        if scheduler is None:
            self.sync()
            scheduler = self.schedulers.get(workspace)
        if scheduler is None:
            raise NotScheduled(f"workspace {workspace.key}: its schedules could not be "
                               "started (see the log); retry later")
        return scheduler

    def jobs(self) -> list[Any]:
        """Every workspace's flow jobs."""
        return [job for s in self.schedulers.values() for job in s.jobs()]

    def shutdown(self, wait: bool = True) -> None:
        for scheduler in self.schedulers.values():
            scheduler.stop_firing()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def stop_firing(self) -> None:
        """Start no new run in any workspace; runs in progress go on."""
        for scheduler in self.schedulers.values():
            scheduler.stop_firing()
        if self._scheduler.running:
            self._scheduler.pause()

    def wait_for_runs(self, timeout: float) -> int:
        """Wait up to `timeout` seconds in all for the runs in progress; how many still run."""
        import time

        ends = time.monotonic() + timeout
        return sum(s.wait_for_runs(max(0.0, ends - time.monotonic()))
                   for s in self.schedulers.values())

    def release_slots(self) -> int:
        """Give back every workspace's slot claims of runs still in progress."""
        return sum(s.release_slots() for s in self.schedulers.values())
