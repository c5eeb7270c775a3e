"""Two installed workspaces for the tests of many workspaces: a fake `InstalledWorkspaces`,
a stand-in per workspace behind one Slack URL, and settings on either store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.domain.workspace import Workspace
from marvin.settings import Settings
from marvin.store.base import Store
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings
from tests.support.slack_by_token import SlackByToken

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


@dataclass
class Slack:
    """The one URL Marvin calls, and each workspace's stand-in behind it."""

    url: str
    of: dict[Workspace, SlackStandIn]


@pytest.fixture
def slack() -> Iterator[Slack]:
    with SlackStandIn() as a, SlackStandIn() as b, \
            SlackByToken({TOKENS[A]: a, TOKENS[B]: b}) as front:
        yield Slack(front.url, {A: a, B: b})


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
