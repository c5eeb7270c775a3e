"""`--workspace`: which installed workspace a command works on (OAuth mode).

Every command that opens the store takes it. In OAuth mode it names one of the installed
workspaces, and may be left out when there is only one; in single-token mode
(SLACK_BOT_TOKEN) there is one implicit workspace, and the option is refused rather than
ignored, so nobody believes they read another workspace's data (`Marvin.choose`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from marvin.app import Marvin, open_marvin
from marvin.cli.input import bad_option
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.settings import Settings

WorkspaceOption = Annotated[
    str | None,
    typer.Option("--workspace", help="OAuth mode: the workspace's team id (T…; E… for an "
                 "org-wide install); needed when Marvin is installed in more than one"),
]


@contextmanager
def open_workspace(settings: Settings, workspace: str | None, **options: Any) -> Iterator[Marvin]:
    """`open_marvin`, then the Marvin of the workspace `--workspace` names (the only one
    when left out; single-token mode's when there is no OAuth); a usage error otherwise."""
    with open_marvin(settings, **options) as root:
        try:
            chosen = root.choose(workspace)
        except UnknownWorkspace as exc:
            raise bad_option("--workspace", str(exc)) from None
        yield root.of(chosen)
