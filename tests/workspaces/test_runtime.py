"""Many workspaces end to end: each one's flows, data, runs, requests and schedules are
its own, on both stores (one stand-in, a world per workspace; a fake `InstalledWorkspaces`)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from marvin.app import open_marvin
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.workspace import Workspace
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.settings import Settings
from marvin.slack.app import dispatch
from marvin.testing.signing import signed_headers, slash_command_body
from tests.workspaces.conftest import (
    DATE,
    MEMBERS,
    REMINDER_AT,
    SECRET,
    TOKENS,
    A,
    B,
    FakeInstalled,
    Slack,
    add_members,
)


def test_each_workspace_reminds_its_own_members_through_its_own_slack_once(
    settings: Settings, slack: Slack,
) -> None:
    with open_marvin(settings, installed=FakeInstalled(TOKENS), now=lambda: REMINDER_AT) as root:
        for workspace in (A, B):
            add_members(root.of(workspace).store)
        for _ in range(2):  # the second run finds every reminder sent
            for workspace in (A, B):
                run = root.of(workspace).run_flow("reminder", {"team": DEFAULT_TEAM})
                assert run.state.is_successful(), run.state

        every_call = slack.of[A].standin.calls
        assert {c.token for c in every_call} == set(TOKENS.values())  # no other token
        for workspace in (A, B):
            sent = [c for c in slack.of[workspace].calls_to("chat.postMessage") if c.acted]
            assert sorted(str(c.params["channel"]).removeprefix("D") for c in sent) \
                == list(MEMBERS)  # once each, with the workspace's token
            mine = root.of(workspace)
            reminded = [d.target for d in mine.store.list_deliveries(DEFAULT_TEAM, DATE)]
            assert sorted(reminded) == list(MEMBERS)
            runs = mine.history.list_flow_runs()
            assert len(runs) == 2
            assert {r.parameters["workspace"] for r in runs} == {workspace.key}
        # nothing went to the single-token data but what the first workspace adopted
        assert root.store.list_deliveries(DEFAULT_TEAM, DATE) == \
            root.of(A).store.list_deliveries(DEFAULT_TEAM, DATE)


def test_a_slash_command_from_a_workspace_writes_into_that_workspace_only(
    settings: Settings, slack: Slack,
) -> None:
    with open_marvin(settings, installed=FakeInstalled(TOKENS), now=lambda: REMINDER_AT) as root:
        bolt = root.bolt()
        body = slash_command_body(text="fixed the build", user_id=MEMBERS[0], team_id=B.key)
        headers = {k.lower(): v for k, v in signed_headers(SECRET, body).items()}  # as HTTP
        status, _headers, answer = dispatch(bolt, body, headers)
        assert status == 200, answer
        assert "Thanks" in answer

        written = root.of(B).store.get_update(DEFAULT_TEAM, DATE, MEMBERS[0])
        assert written is not None and written.entries == ("fixed the build",)
        assert root.of(A).store.get_update(DEFAULT_TEAM, DATE, MEMBERS[0]) is None
        assert root.of(A).store.get_member(MEMBERS[0]) is None


def test_a_request_is_answered_with_its_own_workspaces_token(
    settings: Settings, slack: Slack,
) -> None:
    with open_marvin(settings, installed=FakeInstalled(TOKENS), now=lambda: REMINDER_AT) as root:
        add_members(root.of(B).store)
        bolt = root.bolt()
        trigger = slack.of[B].issue_trigger()  # the modal opens on B's Slack, with B's token
        body = slash_command_body(user_id=MEMBERS[0], team_id=B.key, trigger_id=trigger)
        headers = {k.lower(): v for k, v in signed_headers(SECRET, body).items()}
        status, _headers, answer = dispatch(bolt, body, headers)
        assert status == 200, answer
        [opened] = slack.of[B].calls_to("views.open")
        assert opened.outcome == "ok" and opened.token == TOKENS[B]
        assert slack.of[A].calls_to("views.open") == []


def test_a_workspace_uninstalled_loses_its_jobs_at_the_next_sync_and_a_new_one_gains_them(
    settings: Settings, slack: Slack,
) -> None:
    installed = FakeInstalled(TOKENS)
    with open_marvin(settings, installed=installed, now=lambda: REMINDER_AT) as root:
        schedulers = root.scheduler()
        schedulers.start(catch_up=False)
        try:
            assert _jobs_by_workspace(schedulers.jobs()) == {A.key, B.key}
            assert f"{B.key}/reminder:{DEFAULT_TEAM}" in {j.id for j in schedulers.jobs()}

            del installed.tokens[B]
            schedulers.sync()  # what the scheduler does every minute
            assert _jobs_by_workspace(schedulers.jobs()) == {A.key}
            every_job = [job.id for job in schedulers._scheduler.get_jobs()]
            assert not [job for job in every_job if B.key in job]  # housekeeping too

            installed.tokens[B] = TOKENS[B]
            schedulers.sync()
            assert _jobs_by_workspace(schedulers.jobs()) == {A.key, B.key}
        finally:
            schedulers.shutdown(wait=False)


class _HeldInstalled(FakeInstalled):
    """Installations whose listing waits for `release` (a slow first sync)."""

    def __init__(self, tokens: dict[Workspace, str]) -> None:
        super().__init__(tokens)
        self.release = threading.Event()

    def workspaces(self) -> list[Workspace]:
        assert self.release.wait(timeout=60), "the test never released the listing"
        return super().workspaces()


def test_serve_can_start_the_schedules_without_waiting_for_the_first_sync(
    settings: Settings, slack: Slack,
) -> None:
    installed = _HeldInstalled(TOKENS)
    with open_marvin(settings, installed=installed, now=lambda: REMINDER_AT) as root:
        schedulers = root.scheduler()
        schedulers.start(catch_up=False, wait=False)  # returns while the listing is held
        try:
            assert schedulers.running  # what /healthz reports meanwhile
            assert _jobs_by_workspace(schedulers.jobs()) == set()
            installed.release.set()
            deadline = time.monotonic() + 60
            while _jobs_by_workspace(schedulers.jobs()) != {A.key, B.key}:
                assert time.monotonic() < deadline, schedulers.jobs()
                time.sleep(0.05)
        finally:
            installed.release.set()
            schedulers.shutdown(wait=False)


def test_a_scheduled_run_is_recorded_in_its_workspace_with_the_workspace(
    settings: Settings, slack: Slack,
) -> None:
    installed = FakeInstalled(TOKENS)
    late = REMINDER_AT + dt.timedelta(minutes=1)
    with open_marvin(settings, installed=installed, now=lambda: late) as root:
        add_members(root.of(B).store)
        scheduler = root.of(B).flow_scheduler()
        ran = scheduler.catch_up()  # the slot at 08:30 is due
        assert ("reminder", REMINDER_AT) in ran
        [run] = [r for r in root.of(B).history.list_flow_runs() if r.flow == "reminder"]
        assert run.parameters["workspace"] == B.key
        assert root.of(A).history.list_flow_runs() == []
        assert len([c for c in slack.of[B].calls_to("chat.postMessage") if c.acted]) == 2
        assert slack.of[A].calls_to("chat.postMessage") == []


def test_a_workspace_that_is_not_installed_is_refused(settings: Settings) -> None:
    with open_marvin(settings, installed=FakeInstalled({A: TOKENS[A]})) as root:
        with pytest.raises(UnknownWorkspace, match=f"not installed in workspace '{B.key}'"):
            root.of(B)
    with open_marvin(settings) as single, pytest.raises(UnknownWorkspace, match="single-token"):
        single.of(A)


def _jobs_by_workspace(jobs: list[object]) -> set[str]:
    return {str(job.id).split("/")[0] for job in jobs}

