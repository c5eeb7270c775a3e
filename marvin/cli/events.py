"""`marvin events [--type T] [--limit N]`: recent events from the run history, newest first."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from marvin.cli.output import console
from marvin.cli.tables import print_table
from marvin.cli.workspace import WorkspaceOption, open_workspace
from marvin.reports.events import recent_events
from marvin.settings import load_settings


def events_command(
    type_: Annotated[
        str | None,
        typer.Option("--type", help="one type (slack.account_inactive) or a family (slack)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="at most this many")] = 50,
    workspace: WorkspaceOption = None,
) -> None:
    """Recent events: the calls runs made, what they published, what triggered automations."""
    with open_workspace(load_settings(), workspace) as marvin:
        rows = recent_events(marvin.history_without_dead_runs(), event_type=type_, limit=limit)
    if not rows:
        console.print("no events recorded" + (f" of type {type_}" if type_ else ""))
        return
    table = [
        [Text(row.at.strftime("%Y-%m-%d %H:%M:%S")), Text(row.type), Text(row.target),
         Text(row.outcome, style="" if row.outcome in ("ok", "triggered") else "yellow"),
         Text(row.run_id[:12])]
        for row in rows
    ]
    print_table(console, "events (times in UTC)", ("at", "type", "target", "outcome", "run"),
                table, wrap="target")
