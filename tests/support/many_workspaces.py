"""Many workspaces installed beforehand on one Firestore and one Slack stand-in, for the
replica test and the benchmark of many workspaces.

Each workspace is installed as Slack's OAuth would leave it: the stand-in mints nothing
new (`SlackOAuth.install` takes the bot token given, so its calls land in that
workspace's world) and Marvin's installation record holds that token, encrypted, saved
through `Installations`; the first one adopts the unscoped namespace, as Marvin's
first workspace runtime would make it. Each workspace's team ``default`` gets the same member ids,
in its own namespace, so the same id in two workspaces is two people.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.domain.workspace import Workspace
from marvin.store import adopt_unscoped_data, open_history, open_installations, open_store
from marvin.store.installations import InstallationRecord
from marvin.store.run_records import FlowRunRecord
from marvin.testing.slack_api import SlackStandIn

CLIENT_ID, CLIENT_SECRET = "1111.2222", "many-workspaces-client-secret"
REMINDER_JOB = f"reminder:{DEFAULT_TEAM}"


@dataclass(frozen=True)
class Installed:
    """The installed workspaces: each one's bot token, and the members of each."""

    tokens: dict[Workspace, str]
    members: tuple[str, ...]

    @property
    def workspaces(self) -> list[Workspace]:
        return list(self.tokens)

    def expected_dms(self) -> Counter[tuple[str, str]]:
        """One DM per member of each workspace, as `dms_by_workspace` counts them."""
        return Counter({(w.key, user): 1 for w in self.tokens for user in self.members})


def team_ids(count: int) -> list[str]:
    return [f"TW{i:05d}" for i in range(count)]


def member_ids(count: int) -> tuple[str, ...]:
    return tuple(f"U{7000 + i}" for i in range(count))


def oauth_env(key: str) -> dict[str, str]:
    """What turns `marvin serve` to OAuth mode (no SLACK_BOT_TOKEN)."""
    return {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "MARVIN_ENCRYPTION_KEY": key}


def install_all(slack: SlackStandIn, project: str, key: str, workspaces: int,
                members: int, *, threads: int = 8) -> Installed:
    """Install `workspaces` workspaces (stand-in and store) and add `members` members to
    each one's team ``default``."""
    slack.oauth.configure(CLIENT_ID, CLIENT_SECRET)
    tokens = {Workspace(t): f"xoxb-{t}-many" for t in team_ids(workspaces)}
    installed = Installed(tokens, member_ids(members))
    installations = open_installations("firestore", key, project=project)
    try:
        for workspace, token in tokens.items():
            team_id = str(workspace.team_id)
            app = slack.oauth.install(team_id, token)
            installations.save(InstallationRecord(
                team_id=team_id, enterprise_id=None, is_enterprise_install=False,
                installed_at=dt.datetime.now(dt.UTC), user_id=app.installer,
                team_name=app.team_name, bot_token=token, bot_id=app.bot_id,
                bot_user_id=app.bot_user_id, bot_scopes=app.scope, token_type="bot"))
    finally:
        installations.close()
    # as Marvin does on its first runtime: the first install adopts the unscoped data
    adopt_unscoped_data("firestore", project=project, first=installed.workspaces[0])
    with ThreadPoolExecutor(threads) as pool:  # the emulator answers writes in parallel
        list(pool.map(lambda w: _add_members(project, w, installed.members), tokens))
    return installed


def _add_members(project: str, workspace: Workspace, members: tuple[str, ...]) -> None:
    store = open_store("firestore", project=project, workspace=workspace)
    try:
        for user in members:
            store.save_member(Member(user, DEFAULT_TEAM, f"Member {user}"))
    finally:
        store.close()


def dms_by_workspace(slack: SlackStandIn, installed: Installed) -> Counter[tuple[str, str]]:
    """Successful DMs per (workspace key, user): the workspace is the one whose token
    posted (a token of no installed workspace counts under ``?``)."""
    workspace_of = {token: w.key for w, token in installed.tokens.items()}
    dms: Counter[tuple[str, str]] = Counter()
    for call in slack.calls_to("chat.postMessage"):
        channel = str(call.params.get("channel", ""))
        if not call.acted or channel[:1] not in ("U", "D"):
            continue
        user = channel if channel.startswith("U") else channel.removeprefix("D")
        dms[workspace_of.get(call.token or "", "?"), user] += 1
    return dms


class ReminderClaims:
    """Each workspace's store kept open, to read its reminder slot's claim again and again."""

    def __init__(self, project: str, workspaces: list[Workspace]) -> None:
        self.stores = {w: open_store("firestore", project=project, workspace=w)
                       for w in workspaces}

    def done(self) -> dict[Workspace, str]:
        """The claimer of each workspace's reminder slot, for the slots marked done."""
        owners = {}
        for workspace, store in self.stores.items():
            claim = store.get_slot_claim(REMINDER_JOB)
            if claim is not None and claim.done:
                owners[workspace] = claim.owner
        return owners

    def close(self) -> None:
        for store in self.stores.values():
            store.close()


def reminder_runs(project: str, workspace: Workspace) -> list[FlowRunRecord]:
    history = open_history("firestore", project=project, workspace=workspace)
    try:
        return history.list_flow_runs(flow="reminder")
    finally:
        history.close()
