"""A workspace reinstalled through the real OAuth routes with a new bot token (the stand-in
then refuses the old one, as Slack does) is served with the new token at once, without a
restart: its next /standup, its next reminder run and `POST /jobs/reminder` on this
replica; a replica that did not see the redirect at its next sync, or at the first call
Slack refuses; a Dask worker's kept services; on both stores."""

from __future__ import annotations

import datetime as dt
from contextlib import closing

import pytest

from flows.worker_services import ServicesDescription, open_services
from marvin.app import open_marvin
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.workspace import Workspace
from marvin.scheduler import FlowScheduler
from marvin.store.base import StoreError
from marvin.workspace_schedules import WorkspaceSchedulers
from tests.workspaces.conftest import MEMBERS, REMINDER_AT
from tests.workspaces.oauth_served import ALPHA, Clock, Served, oauth_settings, served

__all__ = ["oauth_settings", "served"]  # the fixtures this module's tests use

U1, U2 = MEMBERS
DAY = dt.timedelta(days=1)  # Monday's reminder, then Tuesday's, then Wednesday's


def reminded_with(served: Served, token: str) -> list[str]:
    """The members a reminder DM'd (acted posts) with `token`."""
    return sorted(str(c.params["channel"]).removeprefix("D")
                  for c in served.slack.calls_to("chat.postMessage")
                  if c.acted and c.token == token)


def test_a_reinstall_is_followed_at_once_by_requests_runs_and_jobs(served: Served) -> None:
    root, slack = served.root, served.slack
    served.install(ALPHA.key)  # adopts single-token mode's team with U1 and U2
    first = served.token(ALPHA)
    served.standup(ALPHA.key, trigger_id=slack.issue_trigger(ALPHA.key))
    assert [c.outcome for c in slack.calls_to("views.open") if c.token == first] == ["ok"]
    assert root.of(ALPHA).run_flow("reminder", {"team": DEFAULT_TEAM}).state.is_successful()
    assert reminded_with(served, first) == [U1, U2]

    served.install(ALPHA.key)  # a new token; Slack refuses the first one from now on
    second = served.token(ALPHA)
    assert second != first
    slack.reset_calls()

    served.standup(ALPHA.key, trigger_id=slack.issue_trigger(ALPHA.key))
    [opened] = slack.calls_to("views.open")
    assert (opened.outcome, opened.token) == ("ok", second)
    served.clock.at = REMINDER_AT + DAY  # the scheduler's next reminder run
    assert root.of(ALPHA).run_flow("reminder", {"team": DEFAULT_TEAM}).state.is_successful()
    assert reminded_with(served, second) == [U1, U2]
    served.clock.at = REMINDER_AT + 2 * DAY  # an external scheduler's job
    done = served.job("reminder", workspace=ALPHA.key)
    assert done.status_code == 200, done.text
    assert [r["outcome"] for r in done.json()["runs"]] == ["ran"]
    assert reminded_with(served, second) == [U1, U1, U2, U2]
    # the redirect handed the runtime its new token: nothing was even tried with the old
    assert [c.method for c in slack.calls if c.token == first] == []


def test_a_replica_that_missed_the_redirect_follows_at_its_sync(served: Served) -> None:
    served.install(ALPHA.key)
    with open_marvin(served.root.settings, now=served.clock) as replica:
        schedulers = replica.scheduler()
        assert isinstance(schedulers, WorkspaceSchedulers)
        schedulers.start(catch_up=False, fire=False)  # ALPHA's runtime: the first token
        try:
            first = served.token(ALPHA)
            alpha = replica.of(ALPHA)
            assert alpha.token is not None and alpha.token.value == first
            served.install(ALPHA.key)  # through the other replica
            second = served.token(ALPHA)
            schedulers.sync()  # what the scheduler does every minute
            assert alpha.token.value == second
            served.slack.reset_calls()
            assert alpha.run_flow("reminder", {"team": DEFAULT_TEAM}).state.is_successful()
            assert reminded_with(served, second) == [U1, U2]
            assert [c for c in served.slack.calls if c.token == first] == []
        finally:
            schedulers.shutdown(wait=False)


def test_a_call_refused_for_the_old_token_rereads_the_installation_once(served: Served) -> None:
    served.install(ALPHA.key)
    with open_marvin(served.root.settings, now=Clock()) as replica:
        alpha = replica.of(ALPHA)
        alpha.prepare_runs()  # its Slack client built with the first token
        first = served.token(ALPHA)
        served.install(ALPHA.key)  # another replica's redirect; no sync here yet
        second = served.token(ALPHA)
        served.slack.reset_calls()
        assert alpha.run_flow("reminder", {"team": DEFAULT_TEAM}).state.is_successful()
        assert reminded_with(served, second) == [U1, U2]
        # one call refused for the first token, the rest (that one again) with the second
        assert [c.outcome for c in served.slack.calls if c.token == first] \
            == ["error:token_revoked"]
        assert [c.outcome for c in served.slack.calls if c.token == second] \
            == ["ok"] * (len(served.slack.calls) - 1)


def test_a_workers_kept_services_follow_the_reinstall_and_send_once(served: Served) -> None:
    served.install(ALPHA.key)
    description = ServicesDescription(served.root.settings, workspace=ALPHA)
    services = open_services(description)  # a Dask worker's, kept for its process
    with closing(services.store):
        first = served.token(ALPHA)
        served.install(ALPHA.key)
        second = served.token(ALPHA)
        served.slack.reset_calls()
        posted = services.chat.post_dm(U1, "Standup in 30 minutes", key="reminder/U1/once")
        assert posted.ts
        [refused, sent] = served.slack.calls_to("chat.postMessage")
        assert (refused.token, refused.outcome, refused.acted) == (first, "error:token_revoked",
                                                                    False)
        assert (sent.token, sent.outcome, sent.acted) == (second, "ok", True)  # sent once


def test_a_sync_that_cannot_read_the_tokens_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    def unreadable() -> None:
        raise StoreError("installations unreachable")

    def never_built(_workspace: Workspace, _shared: object) -> FlowScheduler:
        raise AssertionError("nothing to schedule")

    schedulers = WorkspaceSchedulers(lambda: [], never_built, follow=unreadable)
    schedulers.sync()  # the scheduler's thread survives it; the next sync tries again
    assert "cannot read the installations' tokens" in caplog.text
