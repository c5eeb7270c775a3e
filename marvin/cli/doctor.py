"""`marvin doctor`: after setup, check everything Marvin needs and say how to fix what fails.

Registered on the main app by `marvin.cli.main`.

Each check gives one line (✓ or ✗) and, when it fails, the fix. What is checked, in order:
the bot token (valid, and a bot's), its scopes against `REQUIRED_SCOPES` (the manifest's
list), each team's channel and the alert channel (exist for Marvin, and the bot is or can
become a member), each member's account (exists, active), the store (reachable; on
Firestore, the composite-index queries run), and the credentials of the request mode
(HTTP: the signing secret; Socket Mode: the app token).

Example:
    >>> checks = run_checks(settings)  # doctest: +SKIP
    >>> all(c.ok for c in checks)  # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import typer

from marvin.app import build_history, build_store
from marvin.cli.output import console, print_checks
from marvin.delivery.channels import ChannelProblem, resolve_channel, shown
from marvin.domain.models import Team
from marvin.settings import Settings, load_settings
from marvin.slack.protocol import AuthInfo, ChatAPI, SlackError, UserStatus
from marvin.slack.scopes import REQUIRED_SCOPES
from marvin.store.base import Store, StoreError, deadline
from marvin.store.firestore.indexes import QUERIES, composite_index, missing_indexes
from marvin.store.run_history import RunHistory

__all__ = ["Check", "doctor", "run_checks"]

STORE_DEADLINE = 5.0  # seconds: a store that needs longer is as good as dead for a run
APP_SETTINGS = "your app at https://api.slack.com/apps"


@dataclass(frozen=True)
class Check:
    """One line of the checklist."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


class Workspace(ChatAPI, Protocol):
    """The Slack calls the checks make (`marvin.slack.workspace.SlackWorkspace`)."""

    def auth_info(self) -> AuthInfo: ...

    def user_status(self, user_id: str) -> UserStatus: ...


def doctor() -> None:
    """Check the setup (Slack token, scopes, channels, members, store) and say what to fix."""
    from marvin.scheduler import teams_to_schedule

    settings = load_settings()
    workspace = None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    if token:
        from marvin.slack.workspace import SlackWorkspace

        workspace = SlackWorkspace(token, settings.slack_api_url, max_retries=1)
    checks = run_checks(  # each part is opened by the check that says whether it opens
        settings,
        lambda: build_store(settings),
        lambda: build_history(settings),
        workspace,
        lambda store: teams_to_schedule(store, settings),
    )
    if settings.oauth_mode:  # each installed workspace's token instead of SLACK_BOT_TOKEN
        checks = _with_oauth_checks(settings, checks)
    print_checks(console, checks)
    raise typer.Exit(1 if any(not c.ok for c in checks) else 0)


def _with_oauth_checks(settings: Settings, checks: list[Check]) -> list[Check]:
    from marvin.app import build_installations
    from marvin.cli.doctor_oauth import oauth_checks
    from marvin.slack.workspace import SlackWorkspace

    def who_is(token: str) -> str:
        return SlackWorkspace(token, settings.slack_api_url, max_retries=1).auth_info().team

    installations = build_installations(settings)
    assert installations is not None
    try:
        kept = [c for c in checks if c.name != "Slack token"]
        return oauth_checks(settings, installations, who_is) + kept
    finally:
        installations.close()


def run_checks(
    settings: Settings,
    open_store: Callable[[], Store],
    open_history: Callable[[], RunHistory],
    workspace: Workspace | None,
    teams: Callable[[Store], list[Team]],
) -> list[Check]:
    """Every check, in order. `workspace` is None when no bot token is set."""
    checks = [*_mode(settings)]
    store = None
    try:
        store_checks, store = _store(settings, open_store, open_history)
        checks.extend(store_checks)
        if workspace is None:
            checks.insert(0, Check(
                "Slack token", False, "SLACK_BOT_TOKEN is not set",
                f"set it to the Bot User OAuth Token (xoxb-...) from {APP_SETTINGS} -> "
                "OAuth & Permissions",
            ))
            return checks
        slack_checks = list(_slack(settings, workspace, store, teams))
        return slack_checks + checks
    finally:
        if store is not None:
            store.close()


def _slack(
    settings: Settings, workspace: Workspace, store: Store | None,
    teams: Callable[[Store], list[Team]],
) -> Iterator[Check]:
    try:
        auth = workspace.auth_info()
    except SlackError as exc:
        if exc.unreachable or not exc.permanent:  # nothing was said about the token
            reason = "connection refused" if exc.unreachable else exc.error
            yield Check("Slack token", False, f"could not reach Slack at "
                        f"{settings.slack_api_url} ({reason})",
                        "check the network, and SLACK_API_URL if you set it")
            return
        yield Check("Slack token", False, f"Slack refused it ({exc.error})",
                    f"copy the Bot User OAuth Token (xoxb-...) again from {APP_SETTINGS} -> "
                    "OAuth & Permissions")
        return
    if not auth.is_bot:
        yield Check("Slack token", False, "SLACK_BOT_TOKEN is not a bot token",
                    "use the Bot User OAuth Token (xoxb-...), not a user token (xoxp-...)")
        return
    yield Check("Slack token", True, f"a bot token (bot user {auth.user_id}) for {auth.team}")
    missing = [s for s in REQUIRED_SCOPES if s not in auth.scopes]
    if missing:
        yield Check("Scopes", False, f"missing {', '.join(missing)}",
                    "add them under OAuth & Permissions -> Bot Token Scopes (or re-create the "
                    "app from slack-app-manifest.yml), then reinstall the app")
    else:
        yield Check("Scopes", True, f"all {len(REQUIRED_SCOPES)} that Marvin needs")
    if store is None:
        return  # teams and members live in the store
    try:
        with deadline(STORE_DEADLINE):
            all_teams = teams(store)
            members = {t.name: store.list_members(t.name) for t in all_teams}
    except StoreError:
        return  # the store check says why
    for team in all_teams:
        yield _channel(f"Channel of team {team.name}", workspace, store, team.channel,
                       auth.scopes)
    if settings.alert_channel:
        yield _channel("Alert channel", workspace, store, settings.alert_channel, auth.scopes,
                       post_only=True)
    else:
        yield Check("Alert channel", True, "not set (MARVIN_ALERT_CHANNEL): failed runs are "
                    "only logged")
    for team in all_teams:
        yield _members(team.name, [m.user_id for m in members[team.name]], workspace)


def _channel(
    name: str, workspace: Workspace, store: Store, configured: str, scopes: frozenset[str],
    *, post_only: bool = False,
) -> Check:
    """Exists for Marvin, and the bot is a member or may become one (join a public channel;
    for alerts, post to it without joining)."""
    channel = shown(configured)
    try:
        ref = resolve_channel(workspace, store, configured, fresh=True)
        info = workspace.channel_info(ref.id)
    except ChannelProblem as exc:
        return Check(name, False, f"{channel} not found", str(exc))
    except SlackError as exc:
        return Check(name, False, f"could not check {channel} ({exc.error})",
                     "see the Scopes line; then run marvin doctor again")
    kind = "private" if info.is_private else "public"
    if info.is_member:
        return Check(name, True, f"{channel} ({ref.id}, {kind}), Marvin is a member")
    needed = "chat:write.public" if post_only else "channels:join"
    if info.is_private or needed not in scopes:
        return Check(name, False, f"{channel} ({ref.id}, {kind}): Marvin is not a member and "
                     f"cannot become one", f"invite @Marvin to {channel}" + (
                         "" if info.is_private else f", or grant the {needed} scope"))
    how = "posts there without joining" if post_only else "joins it before the first digest"
    return Check(name, True, f"{channel} ({ref.id}, {kind}), Marvin {how}")


def _members(team: str, user_ids: list[str], workspace: Workspace) -> Check:
    name = f"Members of team {team}"
    problems = []
    for user_id in user_ids:
        try:
            status = workspace.user_status(user_id)
        except SlackError as exc:
            problems.append(f"{user_id}: could not check ({exc.error})")
            continue
        if status is not UserStatus.ACTIVE:
            problems.append(f"{user_id} is {status}")
    if problems:
        return Check(name, False, "; ".join(problems),
                     "remove them with `marvin team remove USER_ID` (or fix the id)")
    return Check(name, True, f"{len(user_ids)} active" if user_ids else "none yet "
                 "(add them with `marvin team add USER_ID`)")


def _store(
    settings: Settings, open_store: Callable[[], Store], open_history: Callable[[], RunHistory]
) -> tuple[list[Check], Store | None]:
    where = "Firestore" if settings.store == "firestore" else settings.store
    fix = ("check MARVIN_STORE (and GOOGLE_CLOUD_PROJECT and credentials for Firestore), "
           "and that the database is up")
    try:
        store = open_store()
    except StoreError as exc:
        return [Check("Store", False, f"{where} unreachable: {exc}", fix)], None
    try:
        with deadline(STORE_DEADLINE):
            store.list_teams()
    except StoreError as exc:
        store.close()
        return [Check("Store", False, f"{where} unreachable: {exc}", fix)], None
    checks = [Check("Store", True, f"{where} reachable")]
    if settings.store == "firestore":
        checks.append(_indexes(open_history))
    return checks, store


def _indexes(open_history: Callable[[], RunHistory]) -> Check:
    """Run each query that needs a composite index once; Firestore refuses it without."""
    history = None
    try:
        history = open_history()
        with deadline(STORE_DEADLINE):
            missing = missing_indexes(history)
    except StoreError as exc:
        return Check("Firestore indexes", False, f"could not run the index queries: {exc}",
                     "check the Store line; then run marvin doctor again")
    finally:
        if history is not None:
            history.close()
    if missing:
        wanting: dict[str, list[str]] = {}  # one index may serve several queries
        for m in missing:
            wanting.setdefault(str(m.index), []).append(QUERIES[m.query])
        commands = dict.fromkeys(m.command for m in missing)
        return Check(
            "Firestore indexes", False, "missing composite index " + "; ".join(
                f"{index} (needed by {', '.join(users)})" for index, users in wanting.items()),
            "create it (it takes a few minutes to build): " + " ; ".join(commands),
        )
    needed = sum(1 for shape in QUERIES if composite_index(shape) is not None)
    return Check("Firestore indexes", True,
                 f"the {needed} queries that need a composite index run")


def _mode(settings: Settings) -> list[Check]:
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    if app_token:
        if app_token.startswith("xapp-"):
            return [Check("Socket Mode", True, "SLACK_APP_TOKEN is set")]
        return [Check("Socket Mode", False, "SLACK_APP_TOKEN is not an app token (xapp-...)",
                      f"create one under {APP_SETTINGS} -> Basic Information -> App-Level "
                      "Tokens (scope connections:write)")]
    secret = settings.slack_signing_secret
    if secret is not None and secret.get_secret_value():
        return [Check("HTTP requests", True, "SLACK_SIGNING_SECRET is set")]
    return [Check("HTTP requests", False, "SLACK_SIGNING_SECRET is not set: Marvin cannot "
                  "tell Slack's requests from anyone's",
                  f"copy the Signing Secret from {APP_SETTINGS} -> Basic Information -> App "
                  "Credentials (or set SLACK_APP_TOKEN for Socket Mode)")]
