"""Replicas and the external scheduler with many workspaces: each workspace's scheduler
takes over its own dead claimers' slots and claims its own hourly prune, in its own
namespace; OAuth mode's `InstalledWorkspaces` is the installations. On both stores."""

from __future__ import annotations

import datetime as dt
import time

from cryptography.fernet import Fernet

from marvin.app import build_installed, open_marvin
from marvin.domain.models import SlotClaim
from marvin.domain.workspace import Workspace
from marvin.scheduler import PRUNE_JOB
from marvin.settings import Settings
from marvin.store.installations import Installations
from marvin.store.liveness import this_process
from marvin.workspace_schedules import WorkspaceSchedulers
from tests.support.settings import stand_in_settings
from tests.test_scheduler_slots import DEAD_HERE, JOB, REMINDER_SLOT
from tests.workspaces.conftest import (
    REMINDER_AT,
    SECRET,
    TOKENS,
    A,
    B,
    FakeInstalled,
    Slack,
    add_members,
)


def test_in_oauth_mode_the_installed_workspaces_are_the_installations(
    settings: Settings,
) -> None:
    assert build_installed(settings) is None  # single-token mode
    oauth = stand_in_settings(
        settings.slack_api_url, "", SECRET, slack_bot_token=None, slack_client_id="1111.2222",
        slack_client_secret="client-secret-shh", encryption_key=Fernet.generate_key().decode(),
        store=settings.store, google_cloud_project=settings.google_cloud_project)
    installed = build_installed(oauth)
    try:
        assert isinstance(installed, Installations)
        assert installed.workspaces() == []
    finally:
        if isinstance(installed, Installations):
            installed.close()


def test_each_workspace_takes_over_its_own_dead_claimers_slots(
    settings: Settings, slack: Slack,
) -> None:
    late = REMINDER_AT + dt.timedelta(minutes=1)
    with open_marvin(settings, installed=FakeInstalled(TOKENS), now=lambda: late) as root:
        for workspace in (A, B):
            add_members(root.of(workspace).store)
        # B's replica died mid-reminder; A's slot was never claimed (its job fires it)
        root.of(B).store.swap_slot_claim(
            None, SlotClaim(JOB, REMINDER_SLOT, DEAD_HERE, REMINDER_AT))

        assert root.of(A).flow_scheduler().take_over() == []
        assert root.of(B).flow_scheduler().take_over() == [("reminder", REMINDER_SLOT)]

        claim = root.of(B).store.get_slot_claim(JOB)
        assert claim is not None and claim.done and claim.owner == this_process()
        assert root.of(A).store.get_slot_claim(JOB) is None
        assert slack.of[A].calls_to("chat.postMessage") == []
        assert len([c for c in slack.of[B].calls_to("chat.postMessage") if c.acted]) == 2


def test_each_workspace_has_its_own_take_over_and_claimed_prune_and_fires_nothing_external(
    settings: Settings, slack: Slack,
) -> None:
    with open_marvin(settings, installed=FakeInstalled(TOKENS), now=lambda: REMINDER_AT) as root:
        schedulers = root.scheduler()
        assert isinstance(schedulers, WorkspaceSchedulers)
        schedulers.start(catch_up=False, fire=False)
        try:
            ids = {job.id for job in schedulers._scheduler.get_jobs()}
            for workspace in (A, B):
                assert f"marvin:take-over:{workspace.key}" in ids
                assert f"marvin:prune-runs:{workspace.key}" in ids
            assert schedulers.jobs() == []  # POST /jobs fires the slots
            for workspace in (A, B):  # each hour's prune claimed in the workspace's store
                assert _done_soon(lambda w=workspace: root.of(w).store.get_slot_claim(PRUNE_JOB))
        finally:
            schedulers.shutdown(wait=False)


def _done_soon(claim_of: object, seconds: float = 20.0) -> bool:
    """Whether the claim becomes done (the prune runs at start, on the scheduler's thread)."""
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        claim = claim_of()  # type: ignore[operator]
        if claim is not None and claim.done:
            return True
        time.sleep(0.05)
    return False


class CountingInstalled(FakeInstalled):
    """`FakeInstalled` that counts the reads of the installed workspaces."""

    reads = 0

    def workspaces(self) -> list[Workspace]:
        self.reads += 1
        return super().workspaces()


def test_scheduling_many_workspaces_reads_the_installations_once_not_once_each(
    settings: Settings, slack: Slack,
) -> None:
    many = {Workspace(f"TMANY{i}"): f"xoxb-many-{i}" for i in range(6)}
    installed = CountingInstalled(many)
    with open_marvin(settings, installed=installed, now=lambda: REMINDER_AT) as root:
        schedulers = root.scheduler()
        assert isinstance(schedulers, WorkspaceSchedulers)
        schedulers.start(catch_up=False)
        try:
            assert set(schedulers.schedulers) == set(many)
            # the sync's read, and one for the first runtime's adoption of unscoped data
            assert installed.reads == 2
        finally:
            schedulers.shutdown(wait=False)
