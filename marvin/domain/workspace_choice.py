"""Which workspace a caller means when it names one by key (`--workspace`, `?workspace=`).

One rule for the CLI and the web pages: in OAuth mode the key must be one of the installed
workspaces, and may be left out when there is only one; in single-token mode there is one
implicit workspace (None) and naming one is refused rather than ignored.

Example:
    >>> choose_workspace([Workspace("T0AAA")], None)
    Workspace(team_id='T0AAA', enterprise_id=None)
"""

from __future__ import annotations

from marvin.domain.workspace import Workspace


class UnknownWorkspace(LookupError):
    """A workspace Marvin is not installed in, or one named where none is taken; the
    message says what to do."""


def choose_workspace(installed: list[Workspace] | None, given: str | None) -> Workspace | None:
    """The workspace `given` names among `installed` (None: single-token mode).

    Raises:
        UnknownWorkspace: `given` in single-token mode, none given with several installed
            (naming them), none installed, or `given` not installed.
    """
    if installed is None:
        if given is not None:
            raise UnknownWorkspace("Marvin runs in single-token mode (SLACK_BOT_TOKEN): it "
                                   "serves one workspace and takes no workspace")
        return None
    names = ", ".join(w.key for w in installed) or "none"
    if given is None:
        if len(installed) == 1:
            return installed[0]
        if not installed:
            raise UnknownWorkspace("Marvin is not installed in any workspace yet (install it "
                                   "from /slack/install)")
        raise UnknownWorkspace(f"Marvin is installed in {len(installed)} workspaces: name "
                               f"one ({names})")
    for workspace in installed:
        if workspace.key == given:
            return workspace
    raise UnknownWorkspace(f"Marvin is not installed in workspace {given!r}; installed: {names}")
