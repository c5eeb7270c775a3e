"""What the CLI prints: runs, schedules, teams, run history, stats, checks and errors; rich
tables, one function each, on the two consoles every command shares. Anything a user or a
task wrote is wrapped in `Text`, so it is never read as markup."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from marvin.cli.tables import print_table
from marvin.domain.durations import format_duration
from marvin.domain.events import trigger_of
from marvin.domain.models import Member, Team
from marvin.domain.standup import format_days
from marvin.engine import FlowRun, State, TaskRun

if TYPE_CHECKING:
    from marvin.cli.doctor import Check
    from marvin.reports.stats import TeamStats
    from marvin.scheduler import HolidaySkip, UpcomingRun
    from marvin.store.run_records import FlowRunRecord, RunDetail, TaskRunRecord

console = Console()
err = Console(stderr=True)

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
    rows = [
        [Text(name), Text.from_markup(_state(state)), Text(message)]
        for task_run in run.task_runs
        for name, state, message in _rows(task_run)
    ]
    print_table(console, f"{run.flow_name} run {run.id[:12]}", ("task", "state", "message"),
                rows, wrap="message")
    console.print(
        Text.assemble(
            "flow run: ", Text.from_markup(_state(run.state)), ": ", run.state.message or ""
        )
    )


def print_schedule(console: Console, runs: Sequence[UpcomingRun]) -> None:
    """The upcoming runs; a "note" column only when one falls on a team holiday."""
    noted = any(item.holiday for item in runs)
    rows = [
        [
            Text(item.run.start_time.format("ddd YYYY-MM-DD HH:mm zz")),
            Text(item.run.start_time.in_timezone("UTC").format("YYYY-MM-DD HH:mm")),
            Text(item.flow),
            Text(_scheduled_for(item.run.parameter_defaults)),
            *([Text(_holiday_note(item.holiday))] if noted else []),
        ]
        for item in runs
    ]
    headers = ("when (local time)", "UTC", "flow", "team", *(("note",) if noted else ()))
    print_table(console, "upcoming runs", headers, rows, wrap=("team", "note"))


def _holiday_note(skip: HolidaySkip | None) -> str:
    """"holiday: Thanksgiving Day (skipped; next standup Fri 2026-11-27)": the run still
    fires and records itself Skipped, naming the holiday; "" on a working day."""
    if skip is None:
        return ""
    after = (f"next standup {dt.date.fromisoformat(skip.next_standup):%a %Y-%m-%d}"
             if skip.next_standup else "no standup day within a year")
    return f"holiday: {skip.name} (skipped; {after})"


def _member_label(member: Member) -> str:
    """``name (U1)``; an inactive member says so: ``name (U1, inactive since D: why)``."""
    details = [member.user_id]
    if not member.is_active:
        details.append(f"inactive since {member.inactive_since}: {member.inactive_reason}")
    shown = ", ".join(details)
    return f"{member.name} ({shown})" if member.name else shown


def _scheduled_for(params: Mapping[str, object]) -> str:
    """The team a run is for, and the members' zone for a reminder in one."""
    team, zone = str(params.get("team", "")), params.get("zone")
    return f"{team} (members in {zone})" if zone else team


def print_teams(console: Console, teams: Sequence[tuple[Team, list[Member]]]) -> None:
    headers = ("team", "time zone", "reminder", "standup", "days", "channel", "digest",
               "late until", "weekly report", "lead", "blockers", "members")
    rows = []
    for team, members in teams:
        names = ", ".join(_member_label(m) for m in members)
        cells = (
            team.name,
            team.timezone,
            team.reminder_time + (" (each member's zone)" if team.reminder_zone == "member"
                                  else ""),
            team.standup_time + (f" (nudge {team.nudge_before} min before)"
                                 if team.nudge_before else ""),
            format_days(team.days) + _holidays_note(team),
            team.channel,
            team.digest_mode,
            team.late_until,
            team.weekly_report,
            team.lead or "-",
            team.blockers_channel or "-",
            names or "-",
        )
        rows.append([Text(cell) for cell in cells])  # user text: never read as markup
    print_table(console, "teams", headers, rows, wrap="members")


def _holidays_note(team: Team) -> str:
    """" (holidays DE-BY +2 own)": a team's holidays after its days; "" when it has none."""
    parts = [team.holidays] if team.holidays else []
    if team.custom_holidays:
        parts.append(f"+{len(team.custom_holidays)} own")
    return f" (holidays {' '.join(parts)})" if parts else ""


# Run history (`marvin runs`) -------------------------------------------------------------


def _state_text(name: str) -> Text:
    return Text(name, style=STATE_STYLES.get(name, "white"))


def _when(at: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return "-" if at is None else at.astimezone(dt.UTC).strftime(fmt)


def format_parameters(parameters: dict[str, Any]) -> str:
    """``key=value`` pairs; unset (None) parameters are left out."""
    return " ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, default=str)}"
        for key, value in parameters.items()
        if value is not None
    )


def print_run_list(console: Console, runs: Sequence[FlowRunRecord]) -> None:
    """Recorded runs, newest first: one row each."""
    if not runs:
        console.print("no runs recorded")
        return
    headers = ("id", "flow", "state", "started", "duration", "triggered by", "parameters")
    rows = [
        [
            Text(run.id[:12]),
            Text(run.flow),
            _state_text(run.state),
            Text(_when(run.started_at)),
            Text(format_duration(run.started_at, run.ended_at)),
            Text(trigger_of(run.parameters) or "-"),
            Text(format_parameters(run.parameters)),
        ]
        for run in runs
    ]
    print_table(console, "runs (times in UTC)", headers, rows,
                wrap=("triggered by", "parameters"))


def _task_label(task_run: TaskRunRecord) -> str:
    return task_run.task if task_run.map_index is None else f"  └ [{task_run.map_index}]"


def _went_well(outcome: str) -> bool:
    """A call that succeeded, or an event the run published (``event:<id>``)."""
    return outcome == "ok" or outcome.startswith("event:")


def print_run_detail(console: Console, detail: RunDetail) -> None:
    """One run: its header, task runs (mapped children indented, logs under each) and events."""
    run = detail.run
    console.print(Text.assemble((f"{run.flow} run ", "bold"), (run.id, "bold")))
    console.print(Text.assemble("state: ", _state_text(run.state), ": " if run.message else "",
                                run.message))
    console.print(Text(
        f"started {_when(run.started_at)} UTC, ended {_when(run.ended_at)}, "
        f"took {format_duration(run.started_at, run.ended_at)}; scheduled for "
        f"{_when(run.scheduled_at)}; version {run.version}"
    ))
    console.print(Text("parameters: " + (format_parameters(run.parameters) or "-")))
    trigger = trigger_of(run.parameters)
    if trigger:
        console.print(Text("triggered by: " + trigger))
    if not detail.task_runs:  # the recorder writes them in batches as the run goes
        console.print("no task runs recorded (yet, if the run is still going)")
        return
    tasks: list[list[Text]] = []
    for task_run in detail.task_runs:
        tasks.append([Text(_task_label(task_run)), _state_text(task_run.state),
                      Text(str(task_run.run_count)), Text(task_run.message),
                      Text(task_run.result)])
        indent = "    " if task_run.map_index is not None else "  "
        for log in task_run.logs:
            line = f"{_when(log.at, '%H:%M:%S')} {log.level} {log.message}"
            tasks.append([Text(indent + "log", style="dim"), Text(""), Text(""),
                          Text(line, style="dim"), Text("")])
    print_table(console, "task runs", ("task", "state", "runs", "message", "result"), tasks,
                wrap=("message", "result"))
    if not detail.events:
        console.print("no events recorded")
        return
    prefix = run.id + "/"
    events = [
        [
            Text(_when(event.at, "%H:%M:%S.%f")[:-3]),
            Text((event.task_run_id or "-").removeprefix(prefix)),
            Text(event.system),
            Text(event.method),
            Text(event.target),
            Text(event.outcome, style="" if _went_well(event.outcome) else "red"),
            Text(f"{event.duration_ms:.1f}"),
        ]
        for event in detail.events
    ]
    print_table(console, "events (times in UTC)",
                ("at", "task", "system", "method", "target", "outcome", "ms"), events,
                wrap="target", right=("ms",))


# Stats (`marvin stats`) ------------------------------------------------------------------


def print_team_stats(console: Console, stats: TeamStats, *, daily: bool = False) -> None:
    """A team's summary line and per-member participation (and per day, when asked)."""
    team = stats.team
    console.print(Text.assemble(
        ("team ", "bold"), (team.name, "bold"),
        f" ({team.timezone}): {stats.start} to {stats.end}, {stats.standup_days} standup days",
    ))
    console.print(Text(
        f"reminders needed {stats.avg_reminders_needed:.1f}/day "
        f"({stats.recorded_days} of {stats.standup_days} days from recorded runs) · "
        f"participation {stats.avg_participation:.1f}% · "
        f"digest {stats.avg_digest_updates:.1f} updates, "
        f"{stats.avg_digest_characters:.0f} characters/day"
    ))
    if daily:
        days = Table(title="per standup day", title_justify="left")
        for column in ("date", "posted", "missing", "reminders needed", "digest characters"):
            days.add_column(column, justify="left" if column == "date" else "right")
        for day in stats.days:
            needed = str(day.reminders_needed) + ("" if day.reminders_recorded else " (est.)")
            days.add_row(day.date, str(day.posted), str(day.missing), needed,
                         str(day.digest_characters))
        console.print(days)
    if not stats.members:
        console.print(Text(f"team {team.name} has no members"))
        return
    members = Table(title="participation", title_justify="left")
    for column in ("member", "name", "days posted", "participation"):
        members.add_column(column, justify="right" if column == "participation" else "left")
    for item in stats.members:
        members.add_row(
            Text(item.member.user_id),
            Text((item.member.name or "-")
                 + (f" (left {item.member.left_on})" if item.member.left_on else "")),
            f"{item.days_posted} of {item.standup_days}",
            f"{item.participation:.1f}%",
        )
    console.print(members)


def print_error(kind: str, message: BaseException | str) -> None:
    """One line on stderr; the message is shown as typed (never read as rich markup)."""
    err.print(Text.assemble((f"{kind}: ", "red"), str(message)), highlight=False, soft_wrap=True)


def print_checks(console: Console, checks: Sequence[Check]) -> None:
    """`marvin doctor`'s checklist: a mark and a line each, the fix under each failure."""
    for check in checks:
        mark = ("✓", "green") if check.ok else ("✗", "red")
        console.print(Text.assemble(mark, f" {check.name}: {check.detail}"), soft_wrap=True)
        if not check.ok:
            console.print(Text(f"    fix: {check.fix}"), soft_wrap=True)
    failed = sum(not c.ok for c in checks)
    console.print(f"{failed} of {len(checks)} checks failed" if failed
                  else f"all {len(checks)} checks passed")
