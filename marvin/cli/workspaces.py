"""`marvin workspaces [list|rotate-key]`: the workspaces Marvin was installed into with
Slack's OAuth flow, and re-encrypting their stored tokens with a new key.

Rotation: set the new key as MARVIN_ENCRYPTION_KEY and the old one as
MARVIN_ENCRYPTION_KEY_PREVIOUS (Marvin reads tokens with either meanwhile), run
`marvin workspaces rotate-key`, then drop the previous key.
"""

from __future__ import annotations

import typer

from marvin.app import open_marvin
from marvin.cli.output import console
from marvin.settings import SettingsError, load_settings
from marvin.store.installations import Installations

workspaces_app = typer.Typer(help="Workspaces installed with OAuth (SLACK_CLIENT_ID).",
                             no_args_is_help=True)


@workspaces_app.command("list")
def workspaces_list() -> None:
    """The installed workspaces, oldest installation first (tokens never shown)."""
    with open_marvin(load_settings()) as marvin:
        installations = _installations(marvin.installations)
        found = installations.workspaces()
        for workspace in found:
            console.print(workspace.key)
        if not found:
            console.print("no workspace installed yet: open /slack/install to add one")


@workspaces_app.command("rotate-key")
def rotate_key() -> None:
    """Encrypt every stored token again with MARVIN_ENCRYPTION_KEY (reading old ones with
    MARVIN_ENCRYPTION_KEY_PREVIOUS)."""
    with open_marvin(load_settings()) as marvin:
        count = _installations(marvin.installations).rotate_key()
    console.print(f"re-encrypted the tokens of {count} installation(s) with "
                  "MARVIN_ENCRYPTION_KEY; MARVIN_ENCRYPTION_KEY_PREVIOUS may now be removed")


def _installations(installations: Installations | None) -> Installations:
    if installations is None:
        raise SettingsError("no OAuth installs: set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                            "MARVIN_ENCRYPTION_KEY (README, 'Install into many workspaces')")
    return installations
