"""`marvin doctor` in OAuth mode: the installed workspaces, each token readable with the
configured keys and still accepted by Slack (instead of checking one SLACK_BOT_TOKEN)."""

from __future__ import annotations

from collections.abc import Callable

from marvin.cli.doctor import Check
from marvin.settings import Settings
from marvin.slack.protocol import SlackError
from marvin.store.base import StoreError
from marvin.store.installations import Installations
from marvin.store.token_cipher import TokenUnreadable

WhoIs = Callable[[str], str]
"""A bot token -> the team id Slack says it belongs to (raises `SlackError` if refused)."""


def oauth_checks(settings: Settings, installations: Installations, who_is: WhoIs) -> list[Check]:
    """One line for the installs, then one per installed workspace."""
    try:
        found = installations.workspaces()
    except StoreError as exc:
        return [Check("OAuth installs", False, f"cannot read the installations: {exc}",
                      "check MARVIN_STORE")]
    if not found:
        return [Check("OAuth installs", False, "no workspace has installed Marvin yet",
                      "open https://<your host>/slack/install and click Add to Slack")]
    checks = [Check("OAuth installs", True, f"{len(found)} workspace(s) installed")]
    for workspace in found:
        name = f"Workspace {workspace.key}"
        try:
            token = installations.bot_token(workspace)
            if token is None:
                continue  # uninstalled between the two reads
            team = who_is(token)
        except TokenUnreadable:
            checks.append(Check(name, False, "its token cannot be decrypted",
                                "set the key it was stored with as "
                                "MARVIN_ENCRYPTION_KEY_PREVIOUS, or install Marvin again"))
        except SlackError as exc:
            checks.append(Check(name, False, f"Slack refused its token ({exc.error})",
                                "install Marvin into that workspace again"))
        else:
            checks.append(Check(name, True, f"token accepted by Slack ({team})"))
    return checks
