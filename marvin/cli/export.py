"""`marvin export`: a team's standup history as CSV or JSON lines, streamed to a file or
standard output (constant memory, however long the history).

A file is written beside its final name and renamed into place once complete, so an
export that fails half-way leaves no half-written file behind under that name.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from flows.common import check_date
from marvin.cli.input import check_choice, option_value
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.domain.clock import utc_now
from marvin.reports.export import FORMATS, export_lines
from marvin.settings import load_settings
from marvin.store.teams import resolve_team


def export_command(
    team: Annotated[str, typer.Option(help="the team to export")],
    fmt: Annotated[str, typer.Option("--format", help="csv or jsonl")] = "csv",
    since: Annotated[str | None, typer.Option(help="first date YYYY-MM-DD (default: the "
                                                   "first update)")] = None,
    until: Annotated[str | None, typer.Option(help="last date YYYY-MM-DD (default: "
                                                   "today)")] = None,
    out: Annotated[Path | None, typer.Option(help="write to this file (default: standard "
                                                  "output)")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """One row per member and standup date: date, user id, name, state, each answer,
    first posted at, last edited at."""
    check_choice("--format", fmt, FORMATS)
    since = option_value("--since", check_date, since) if since is not None else None
    until = option_value("--until", check_date, until) if until is not None else None
    with open_workspace(load_settings(), workspace) as marvin:
        one = resolve_team(marvin.store, marvin.settings, team)
        lines = export_lines(marvin.store, one, fmt, since=since, until=until, now=utc_now())
        if out is None:
            sys.stdout.writelines(lines)
            return
        partial = out.with_name(out.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8", newline="") as file:
                file.writelines(lines)
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
