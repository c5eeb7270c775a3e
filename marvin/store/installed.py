"""The seam between Slack's OAuth installations and the rest of Marvin: which workspaces
Marvin is installed in, and each one's bot token.

OAuth mode implements it over the stored (encrypted) installations; the runtime, the
scheduler and the CLI only read it, so they never see how tokens are kept. In
single-token mode there is no `InstalledWorkspaces` at all (one implicit workspace).
"""

from __future__ import annotations

from typing import Protocol

from marvin.domain.workspace import Workspace


class InstalledWorkspaces(Protocol):
    """The workspaces with a live installation, and their bot tokens."""

    def workspaces(self) -> list[Workspace]:
        """Every workspace with a bot token, oldest installation first (so the first
        installation, which adopts the data of single-token mode, is always the same one)."""
        ...

    def bot_token(self, workspace: Workspace) -> str | None:
        """The workspace's bot token, decrypted; None when it is not (or no longer)
        installed: uninstalled, tokens revoked."""
        ...
