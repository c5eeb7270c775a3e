"""Two workspaces installed through the real OAuth routes on one stand-in, both with a team
`default` and the same two member ids: each reminded by its own scheduler with its own token, each
request answered in its own workspace, an uninstall stopping that workspace's jobs, and
the single-token data adopted by the first install; on both stores."""

from __future__ import annotations

from marvin.domain.models import DEFAULT_TEAM
from tests.workspaces.conftest import DATE, MEMBERS, add_members
from tests.workspaces.oauth_served import ALPHA, BRAVO, Served, oauth_settings, served

__all__ = ["oauth_settings", "served"]  # the fixtures this module's tests use

U1, U2 = MEMBERS  # the same two people ids in both workspaces


def test_two_workspaces_installed_with_oauth_live_apart(served: Served) -> None:
    served.install(ALPHA.key)
    served.install(BRAVO.key)
    root, slack = served.root, served.slack
    # the first install adopted single-token mode's team and members; the second has none
    assert sorted(m.user_id for m in root.of(ALPHA).store.list_members(DEFAULT_TEAM)) == [U1, U2]
    assert root.of(BRAVO).store.list_members(DEFAULT_TEAM) == []
    add_members(root.of(BRAVO).store, (U1, U2))
    slack.reset_calls()

    for workspace in (ALPHA, BRAVO):  # one Cloud Scheduler job per workspace
        done = served.job("reminder", workspace=workspace.key)
        assert done.status_code == 200, done.text
        assert done.json()["workspace"] == workspace.key
        assert [r["outcome"] for r in done.json()["runs"]] == ["ran"]
    again = served.job("reminder", workspace=ALPHA.key)
    assert [r["outcome"] for r in again.json()["runs"]] == ["already ran"]
    unnamed = served.job("reminder")
    assert unnamed.status_code == 400 and "name one" in unnamed.json()["error"]

    posts = [c for c in slack.calls_to("chat.postMessage") if c.acted]
    for workspace in (ALPHA, BRAVO):
        theirs = [c for c in posts if c.token == served.token(workspace)]
        # once each, to the member or their DM channel (D + user id on the stand-in)
        assert sorted(str(c.params["channel"]).removeprefix("D") for c in theirs) == [U1, U2]
        reminded = root.of(workspace).store.list_deliveries(DEFAULT_TEAM, DATE)
        assert sorted(d.target for d in reminded) == [U1, U2]
    assert len(posts) == 4

    # /standup from B: its modal opens on B's Slack with B's token; its update is B's only
    slack.reset_calls()
    served.standup(BRAVO.key, trigger_id=slack.issue_trigger(BRAVO.key))
    [opened] = slack.calls_to("views.open")
    assert opened.outcome == "ok" and opened.token == served.token(BRAVO)
    assert "Thanks" in served.standup(BRAVO.key, text="fixed the build")
    update = root.of(BRAVO).store.get_update(DEFAULT_TEAM, DATE, U1)
    assert update is not None and update.entries == ("fixed the build",)
    assert root.of(ALPHA).store.get_update(DEFAULT_TEAM, DATE, U1) is None

    # B uninstalls: Slack revokes its tokens and tells Marvin; its jobs go at the next sync
    slack.oauth.uninstall(BRAVO.key)
    assert served.event({"type": "app_uninstalled"}, team_id=BRAVO.key) == 200
    served.schedulers.sync()  # what the scheduler does every minute
    assert set(served.schedulers.schedulers) == {ALPHA}
    jobs = [job.id for job in served.schedulers._scheduler.get_jobs()]
    assert not [job for job in jobs if BRAVO.key in job]
    assert [job for job in jobs if ALPHA.key in job]  # A's take-over and prune go on
    gone = served.job("reminder", workspace=BRAVO.key)
    assert gone.status_code == 400 and "not installed" in gone.json()["error"]
