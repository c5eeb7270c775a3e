"""Two installed workspaces for the tests of many workspaces: a fake `InstalledWorkspaces`,
one stand-in with a world per workspace, and settings on either store."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.domain.workspace import Workspace
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.testing.slack_api import RecordedCall, SlackStandIn
from tests.support.settings import stand_in_settings

A, B = Workspace("TAAAA1"), Workspace("TBBBB2")
TOKENS = {A: "xoxb-workspace-a", B: "xoxb-workspace-b"}
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DATE = "2026-06-08"  # a Monday; the default team stands up mon-fri at 09:00 UTC
REMINDER_AT = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)
MEMBERS = ("U0MEMBER1", "U0MEMBER2")  # the same ids in both workspaces


class FakeInstalled:
    """`InstalledWorkspaces` over a dict: oldest install first, as inserted."""

    def __init__(self, tokens: dict[Workspace, str]) -> None:
        self.tokens = dict(tokens)

    def workspaces(self) -> list[Workspace]:
        return list(self.tokens)

    def bot_token(self, workspace: Workspace) -> str | None:
        return self.tokens.get(workspace)


class WorkspaceSlack:
    """One workspace's side of the one stand-in: the calls made with its token, and its
    world's triggers."""

    def __init__(self, standin: SlackStandIn, workspace: Workspace) -> None:
        self.standin, self.workspace = standin, workspace

    @property
    def calls(self) -> list[RecordedCall]:
        return [c for c in self.standin.calls if c.token == TOKENS[self.workspace]]

    def calls_to(self, method: str) -> list[RecordedCall]:
        return [c for c in self.calls if c.method == method]

    def issue_trigger(self) -> str:
        return self.standin.issue_trigger(str(self.workspace.team_id))


@dataclass
class Slack:
    """The one Slack URL Marvin calls (one stand-in, a world per installed workspace, told
    apart by the token as Slack does), and each workspace's side of it."""

    url: str
    of: dict[Workspace, WorkspaceSlack]


@pytest.fixture
def slack(standin: SlackStandIn) -> Slack:
    for workspace in (A, B):
        standin.oauth.install(str(workspace.team_id), TOKENS[workspace])
    return Slack(standin.url, {w: WorkspaceSlack(standin, w) for w in (A, B)})


@pytest.fixture(params=["sqlite", "firestore"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, slack: Slack) -> Settings:
    """OAuth-mode settings on each store; the bot token is workspace A's, which Bolt's
    start-up check (auth.test) uses."""
    where: dict[str, object] = {"store": f"sqlite:///{tmp_path / 'marvin.db'}"}
    if request.param == "firestore":
        where = {"store": "firestore",
                 "google_cloud_project": request.getfixturevalue("firestore_project")}
    return stand_in_settings(slack.url, TOKENS[A], SECRET, executor="local", **where)


def add_members(store: Store, members: tuple[str, ...] = MEMBERS) -> None:
    for user in members:
        store.save_member(Member(user_id=user, team=DEFAULT_TEAM))
