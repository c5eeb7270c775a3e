"""`marvin stats --tune-reminder`: the reminder-time tuner's curve and recommendation, per
team, as text (the same replay as the chart on the team's standup page)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from marvin.domain.clock import utc_now
from marvin.domain.models import Team
from marvin.domain.standup import standup_days
from marvin.reports.day_summaries import day_summaries
from marvin.reports.reminder_tuner import ASSUMPTION, Tuning, days_over, tune_summaries
from marvin.store import Store


def team_tuning(store: Store, team: Team, start: str, end: str, target: float | None) -> Tuning:
    """Replay the team's standup days from `start` to `end` that are over."""
    now = utc_now()
    dates = days_over(team, standup_days(team, start, end), now)
    return tune_summaries(team, day_summaries(store, team, dates, now), target)


def print_tuning(console: Console, team: Team, tuning: Tuning, start: str, end: str) -> None:
    """The curve (latest time first), the current time, the recommendation and how much
    data it rests on."""
    console.print(Text.assemble(
        ("team ", "bold"), (team.name, "bold"),
        f" ({team.timezone}): reminder {team.reminder_time}, standup {team.standup_time}; "
        f"{tuning.days_used} standup days used from {start} to {end}",
    ))
    if tuning.days_unknown:
        console.print(Text(f"{tuning.days_unknown} day(s) left out: some first post times "
                           "are unknown (stored before they were kept)"))
    if not tuning.days_used:
        console.print(Text("no day to replay yet: nothing to recommend"))
        return
    table = Table(title="reminders needed if the reminder had gone out at", title_justify="left")
    for column in ("time", "before standup", "per day", "total"):
        table.add_column(column, justify="left" if column == "time" else "right")
    for c in tuning.curve:
        mark = " (now)" if c == tuning.current else ""
        mark += " ← recommended" if c == tuning.recommended else ""
        table.add_row(c.label + mark, f"{c.minutes_before} min", f"{c.mean:.1f}", str(c.needed))
    console.print(table)
    best, goal = tuning.recommended, f"target {tuning.target:.1f}/day"
    now = f"now {tuning.current.label}: {tuning.current.mean:.1f}/day"
    if best is None:
        console.print(Text(f"no candidate time keeps within the {goal} ({now})"))
    else:
        console.print(Text(
            f"recommended: {best.label} ({best.minutes_before} min before standup), "
            f"{best.mean:.1f} reminders/day; {goal} ({now})"))
    console.print(Text(f"assumption: {ASSUMPTION}", style="dim"))
