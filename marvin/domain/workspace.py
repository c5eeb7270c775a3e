"""A Slack workspace Marvin is installed in: whose data a record is and whose token a call uses.

In single-token mode (SLACK_BOT_TOKEN, no OAuth) there is one implicit workspace and no
`Workspace` value: code takes ``Workspace | None`` and None means that one.

Example:
    >>> Workspace("T0123ABCD").key
    'T0123ABCD'
    >>> Workspace(None, enterprise_id="E0123ABCD").key   # an org-wide (Enterprise Grid) install
    'E0123ABCD'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TEAM_ID = re.compile(r"T[A-Z0-9]{2,}")
_ENTERPRISE_ID = re.compile(r"E[A-Z0-9]{2,}")


@dataclass(frozen=True)
class Workspace:
    """One installation's workspace: a Slack team, or a whole Grid organisation when the app
    was installed org-wide (then `team_id` is None)."""

    team_id: str | None
    enterprise_id: str | None = None

    def __post_init__(self) -> None:
        if self.team_id is None and self.enterprise_id is None:
            raise ValueError("a workspace needs a team id or, for an org-wide install, an "
                             "enterprise id")
        if self.team_id is not None and not _TEAM_ID.fullmatch(self.team_id):
            raise ValueError(f"not a Slack team id: {self.team_id!r} (expected T followed by "
                             "capital letters and digits)")
        if self.enterprise_id is not None and not _ENTERPRISE_ID.fullmatch(self.enterprise_id):
            raise ValueError(f"not a Slack enterprise id: {self.enterprise_id!r}")

    @property
    def key(self) -> str:
        """The name of this workspace's data: its team id (unique across Slack, Grid
        included), or the enterprise id for an org-wide install."""
        return self.team_id or self.enterprise_id or ""
