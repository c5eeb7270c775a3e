"""How the CLI shows runs, schedules and teams: rich tables, one function each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table
from rich.text import Text

from marvin.engine import FlowRun, State, TaskRun
from marvin.models import Member, Team
from marvin.standup import format_days

if TYPE_CHECKING:
    from marvin.scheduler import UpcomingRun

STATE_STYLES = {
    "Success": "green",
    "Mapped": "green",
    "Skipped": "dim",
    "Failed": "red",
    "TriggerFailed": "red",
    "TimedOut": "red",
    "Paused": "yellow",
    "Pending": "yellow",
}


def _state(state: State) -> str:
    style = STATE_STYLES.get(state.name, "white")
    return f"[{style}]{state.name}[/{style}]"


def _rows(task_run: TaskRun) -> list[tuple[str, State, str]]:
    rows = [(task_run.task.slug, task_run.state, task_run.state.message or "")]
    for child in task_run.children or []:
        rows.append((f"  └ [{child.map_index}]", child.state, child.state.message or ""))
    return rows


def print_run(console: Console, run: FlowRun) -> None:
    """The task states of a run (mapped children included), then the flow's state."""
    table = Table(title=f"{run.flow_name} run {run.id[:12]}", title_justify="left")
    table.add_column("task")
    table.add_column("state")
    table.add_column("message", overflow="fold")
    for task_run in run.task_runs:
        for name, state, message in _rows(task_run):
            table.add_row(Text(name), _state(state), Text(message))
    console.print(table)
    console.print(
        Text.assemble(
            "flow run: ", Text.from_markup(_state(run.state)), ": ", run.state.message or ""
        )
    )


def print_schedule(console: Console, runs: Sequence[UpcomingRun]) -> None:
    table = Table(title="upcoming runs", title_justify="left")
    for column in ("when (team's time)", "UTC", "flow", "team"):
        table.add_column(column)
    for item in runs:
        start = item.run.start_time
        table.add_row(
            start.format("ddd YYYY-MM-DD HH:mm zz"),
            start.in_timezone("UTC").format("YYYY-MM-DD HH:mm"),
            item.flow,
            Text(str(item.run.parameter_defaults.get("team", ""))),
        )
    console.print(table)


def print_teams(console: Console, teams: Sequence[tuple[Team, list[Member]]]) -> None:
    table = Table(title="teams", title_justify="left")
    for column in ("team", "time zone", "reminder", "standup", "days", "channel", "members"):
        table.add_column(column, overflow="fold")
    for team, members in teams:
        names = ", ".join(f"{m.name} ({m.user_id})" if m.name else m.user_id for m in members)
        cells = (
            team.name,
            team.timezone,
            team.reminder_time,
            team.standup_time,
            format_days(team.days),
            team.channel,
            names or "-",
        )
        table.add_row(*(Text(cell) for cell in cells))  # user text: never read as markup
    console.print(table)
