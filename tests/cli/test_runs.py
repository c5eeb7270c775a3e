"""`marvin runs`, `marvin runs show`, `marvin runs prune` and `marvin stats`, run as a user
runs them: the console script in a subprocess, on a SQLite file seeded in-process.

The history is seeded by real runs recorded with `HistoryRecorder(SqliteHistory(path), flow)`:
the reminder flow (dry run, so nothing is sent) for the stats, and a small engine flow with
mapped children, logs, an event and text that looks like rich markup for `runs show`. Runs
and standup dates are fixed (the week of Monday 2026-06-01), except the one run `runs prune`
must keep, which starts at the real now. No Slack settings are set.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.reminder import flow as reminder_flow
from flows.services import use_services
from marvin.app import build_services
from marvin.domain.models import Member, Team
from marvin.engine import SKIP, FakeClock, Flow, Parameter, get_context, task
from marvin.history.recorder import HistoryRecorder, emit_event, recording
from marvin.settings import Settings
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore

MARVIN = Path(sys.executable).with_name("marvin")
_FOREIGN = ("SLACK_", "MARVIN_", "GOOGLE_", "FIRESTORE_")
TEAM = Team(name="eng", timezone="Europe/London", days=(0, 1, 2, 3, 4))
ANN, BOB, CID = (Member("U0001", "eng", "Ann"), Member("U0002", "eng", "Bob [admin]"),
                 Member("U0003", "eng", "Cid"))
MONDAY = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)  # 08:30 in London: reminder time
SMALL_RUN = "5eed00aa" + "0" * 24
OTHER_SMALL_RUN = "5eed00bb" + "0" * 24
OLD_RUNS = ("01d0000000000000000000000000000a", "01d0000000000000000000000000000b")
FRESH_RUN = "f7e5000000000000000000000000000f"


class Cli:
    """Runs `marvin ARGS` in its own working directory against `m.db` there."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.db = cwd / "m.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
        self.env.update(MARVIN_STORE=f"sqlite:///{self.db}", COLUMNS="200")

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(MARVIN), *args], cwd=self.cwd, env={**self.env, **env}, capture_output=True,
            text=True, timeout=60, check=False,
        )
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert MARVIN.exists(), f"console script not installed at {MARVIN}"
    return Cli(tmp_path)


@pytest.fixture
def store(cli: Cli) -> Iterator[SqliteStore]:
    opened = SqliteStore(str(cli.db))
    yield opened
    opened.close()


@pytest.fixture
def history(cli: Cli) -> Iterator[SqliteHistory]:
    opened = SqliteHistory(str(cli.db))
    yield opened
    opened.close()


def table_rows(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("│")]


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


# Seeding ---------------------------------------------------------------------------------


@task
def numbers(count: int) -> list[int]:
    return list(range(1, count + 1))


@task
def double(n: int) -> int:
    get_context().logger.info("doubling %s [bold]not markup[/bold]", n)
    if n == 3:
        raise SKIP("[red]three[/red] is skipped")
    emit_event("slack", "chat.postMessage", f"#n{n}", "ok", 0.0125)
    return n * 2


@task(skip_on_upstream_skip=False)
def total(values: list[int | None]) -> int:
    return sum(v for v in values if v)


with Flow("small") as small_flow:
    count = Parameter("count", default=3)
    total(double.map(numbers(count)))


def record_small_run(history: SqliteHistory, run_id: str, start: dt.datetime | None) -> None:
    """One run of the small flow; `start` None: on the real clock (i.e. now)."""
    clock = FakeClock(start=start.timestamp(), tick=0.25) if start else None
    recorder = HistoryRecorder(history, small_flow)
    with recording(recorder):
        run = small_flow.run(parameters={"count": 3}, clock=clock, recorder=recorder,
                             run_id=run_id)
    assert run.state.is_successful(), run.state


def record_reminder_run(store: SqliteStore, history: SqliteHistory, at: dt.datetime) -> None:
    """The real reminder flow for team eng at `at`, dry run, store calls recorded as events."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, store="sqlite:///unused.db", executor="local", timezone="UTC"
    )
    services = build_services(settings, store, dry_run=True, out=io.StringIO(), now=lambda: at)
    recorder = HistoryRecorder(history, reminder_flow)
    with use_services(services), recording(recorder):
        run = reminder_flow.run(parameters={"team": "eng"}, recorder=recorder,
                                clock=FakeClock(at.timestamp(), tick=0.01))
    assert run.state.is_successful(), run.state


def post(store: SqliteStore, date: str, member: Member, *entries: str) -> None:
    for entry in entries:
        store.append_update("eng", date, member.user_id, entry, MONDAY)


def seed_standup_week(store: SqliteStore, history: SqliteHistory) -> None:
    """Mon-Fri 2026-06-01..05; reminder runs on Mon (Ann had posted) and Tue (nobody had)."""
    store.save_team(TEAM)
    for member in (ANN, BOB, CID):
        store.save_member(member)
    post(store, "2026-06-01", ANN, "abc")
    record_reminder_run(store, history, MONDAY)  # needs: Bob, Cid
    post(store, "2026-06-01", BOB, "hello")  # after his reminder
    record_reminder_run(store, history, MONDAY + dt.timedelta(days=1))  # needs all three
    post(store, "2026-06-02", ANN, "x" * 10)
    for member in (ANN, BOB, CID):
        post(store, "2026-06-04", member, "ok")
    post(store, "2026-06-05", ANN, "done", "more")
    post(store, "2026-06-06", CID, "weekend")  # a Saturday: not a standup day


# marvin runs -----------------------------------------------------------------------------


def test_runs_lists_recorded_runs_newest_first(
    cli: Cli, store: SqliteStore, history: SqliteHistory
) -> None:
    seed_standup_week(store, history)
    record_small_run(history, SMALL_RUN, MONDAY + dt.timedelta(days=2))

    result = cli("runs")

    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert len(rows) == 3
    assert re.match(r"│ 5eed00aa0000 │ small +│ Success │ 2026-06-03 07:30:00 │ [\d.]+ m?s +│ "
                    r"- +│ count=3 +│", rows[0]), rows[0]
    for row, day in zip(rows[1:], ("02", "01"), strict=True):
        assert re.match(rf"│ [0-9a-f]{{12}} │ reminder │ Success │ 2026-06-{day} 07:30:00 │ "
                        r"[\d.]+ m?s +│ - +│ team=eng force=false +│", row), row


def test_runs_filters_by_flow_and_limits(
    cli: Cli, store: SqliteStore, history: SqliteHistory
) -> None:
    seed_standup_week(store, history)
    record_small_run(history, SMALL_RUN, MONDAY + dt.timedelta(days=2))

    only_reminders = table_rows(cli("runs", "--flow", "reminder", "--limit", "1").stdout)
    assert len(only_reminders) == 1 and "2026-06-02 07:30:00" in only_reminders[0]
    assert cli("runs", "--flow", "standup").stdout.strip() == "no runs recorded"


def test_runs_on_an_empty_history_says_so(cli: Cli) -> None:
    result = cli("runs")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no runs recorded"


# marvin runs show ------------------------------------------------------------------------


def test_runs_show_prints_the_task_tree_logs_and_events(
    cli: Cli, history: SqliteHistory
) -> None:
    record_small_run(history, SMALL_RUN, MONDAY)

    result = cli("runs", "show", SMALL_RUN[:8])

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"small run {SMALL_RUN}" in out
    assert "state: Success: All reference tasks succeeded" in out
    assert "started 2026-06-01 07:30:00 UTC" in out
    assert "parameters: count=3" in out
    rows = table_rows(out.split("events (times in UTC)")[0])
    labels = [row.split("│")[1].strip() for row in rows]
    assert labels == [
        "count", "numbers", "double",
        "└ [0]", "log", "└ [1]", "log", "└ [2]", "log",
        "total",
    ]
    assert re.search(r"│ numbers +│ Success +│ 1 +│ Task run succeeded +│ \[1, 2, 3\] +│", out)
    assert re.search(r"│ double +│ Mapped +│ 0 +│ Mapped 3 runs: 1 Skipped, 2 Success +│ +│", out)
    assert re.search(r"│   └ \[0\] +│ Success +│ 1 +│ Task run succeeded +│ 2 +│", out)
    assert re.search(r"│   └ \[2\] +│ Skipped +│ 1 +│ \[red\]three\[/red\] is skipped +│ +│", out)
    assert re.search(r"│     log +│ +│ +│ 07:30:\d\d INFO doubling 1 \[bold\]not markup\[/bold\]",
                     out)
    assert re.search(r"│ total +│ Success +│ 1 +│ Task run succeeded +│ 6 +│", out)
    events = table_rows(out.split("events (times in UTC)")[1])
    assert [row.split("│")[2:7] for row in events] == [
        [" double[0] ", " slack  ", " chat.postMessage ", " #n1    ", " ok      "],
        [" double[1] ", " slack  ", " chat.postMessage ", " #n2    ", " ok      "],
    ]
    assert all(row.rstrip().endswith("12.5 │") for row in events)


def test_runs_show_of_a_reminder_run_has_its_store_calls_as_events(
    cli: Cli, store: SqliteStore, history: SqliteHistory
) -> None:
    seed_standup_week(store, history)
    _, monday = history.list_flow_runs(limit=10)  # newest first
    assert monday.started_at == MONDAY

    result = cli("runs", "show", monday.id)

    assert result.returncode == 0, result.stderr
    assert re.search(r"│   └ \[0\] +│ Skipped +│ 1 +│ U0001 already posted", result.stdout)
    methods = [row.split("│")[4].strip() for row in
               table_rows(result.stdout.split("events (times in UTC)")[1])]
    assert {"get_team", "list_members", "list_updates"} <= set(methods)
    assert "reminder run" in result.stdout and "team=eng" in result.stdout


def test_runs_show_of_an_unknown_id_is_one_line_and_exit_1(
    cli: Cli, history: SqliteHistory
) -> None:
    record_small_run(history, SMALL_RUN, MONDAY)

    result = cli("runs", "show", "0123456789")

    assert result.returncode == 1
    assert one_error_line(result) == "Error: no run with id '0123456789'; see `marvin runs`"


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("5eed", "Error: run id prefix '5eed' is too short: give at least 6 characters"),
        ("5eed00", f"Error: run id prefix '5eed00' is ambiguous: it matches {SMALL_RUN}, "
                   f"{OTHER_SMALL_RUN}"),
    ],
)
def test_runs_show_of_a_short_or_ambiguous_prefix_is_one_line_and_exit_2(
    cli: Cli, history: SqliteHistory, prefix: str, message: str
) -> None:
    record_small_run(history, SMALL_RUN, MONDAY)
    record_small_run(history, OTHER_SMALL_RUN, MONDAY)

    result = cli("runs", "show", prefix)

    assert result.returncode == 2
    assert one_error_line(result) == message


# marvin runs prune -----------------------------------------------------------------------


def test_runs_prune_deletes_old_runs_and_keeps_new_ones(
    cli: Cli, history: SqliteHistory
) -> None:
    for run_id in OLD_RUNS:
        record_small_run(history, run_id, dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC))
    record_small_run(history, FRESH_RUN, None)  # started just now

    result = cli("runs", "prune")

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"deleted 2 run\(s\) started before \d{4}-\d\d-\d\d \d\d:\d\d UTC "
                        r"\(retention: 30 days\)\n", result.stdout), result.stdout
    assert [row.split("│")[1].strip() for row in table_rows(cli("runs").stdout)] == [
        FRESH_RUN[:12]]
    assert cli("runs", "show", OLD_RUNS[0]).returncode == 1
    again = cli("runs", "prune", MARVIN_RUN_RETENTION_DAYS="1")
    assert again.stdout.startswith("deleted 0 run(s)") and "(retention: 1 day)" in again.stdout


def test_runs_prune_days_option_overrides_the_setting(cli: Cli, history: SqliteHistory) -> None:
    record_small_run(history, OLD_RUNS[0], dt.datetime(2020, 1, 6, 9, 0, tzinfo=dt.UTC))

    kept = cli("runs", "prune", "--days", "3650")  # ten years: 2020 is within them
    assert kept.returncode == 0 and kept.stdout.startswith("deleted 0 run(s)"), kept.stdout

    bad = cli("runs", "prune", "--days", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# marvin stats ----------------------------------------------------------------------------


def test_stats_for_a_team_and_range(cli: Cli, store: SqliteStore, history: SqliteHistory) -> None:
    seed_standup_week(store, history)

    result = cli("stats", "--team", "eng", "--since", "2026-06-01", "--until", "2026-06-07",
                 "--daily")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "team eng (Europe/London): 2026-06-01 to 2026-06-07, 5 standup days"
    # reminders: 2 and 3 recorded (Mon, Tue); 3, 0, 2 estimated from who was missing
    assert lines[1] == (
        "reminders needed 2.0/day (2 of 5 days from recorded runs) · participation 46.7% · "
        "digest 1.4 updates, 7 characters/day"
    )
    days = [row.split("│")[1:6] for row in table_rows(result.stdout)[:5]]
    assert [[cell.strip() for cell in day] for day in days] == [
        ["2026-06-01", "2", "1", "2", "8"],
        ["2026-06-02", "1", "2", "3", "10"],
        ["2026-06-03", "0", "3", "3 (est.)", "0"],
        ["2026-06-04", "3", "0", "0 (est.)", "6"],
        ["2026-06-05", "1", "2", "2 (est.)", "9"],
    ]
    members = [[cell.strip() for cell in row.split("│")[1:5]]
               for row in table_rows(result.stdout)[5:]]
    assert members == [
        ["U0001", "Ann", "4 of 5", "80.0%"],
        ["U0002", "Bob [admin]", "2 of 5", "40.0%"],  # a name is never read as markup
        ["U0003", "Cid", "1 of 5", "20.0%"],
    ]


def test_stats_defaults_to_every_team_over_the_last_30_days(
    cli: Cli, store: SqliteStore, history: SqliteHistory
) -> None:
    seed_standup_week(store, history)

    result = cli("stats")

    assert result.returncode == 0, result.stderr
    headers = re.findall(r"^team (\S+) \((\S+)\): (\S+) to (\S+), (\d+) standup days$",
                         result.stdout, re.M)
    assert [(name, zone) for name, zone, *_ in headers] == [("default", "UTC"),
                                                            ("eng", "Europe/London")]
    for _, _, since, until, _ in headers:
        span = dt.date.fromisoformat(until) - dt.date.fromisoformat(since)
        assert span == dt.timedelta(days=29)
    assert "team default has no members" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-06-08", "--until", "2026-06-01"),
         "Error: the range starts (2026-06-08) after it ends (2026-06-01)"),
        (("--since", "2026-13-01"),
         "Error: Invalid value for '--since': bad date '2026-13-01': expected YYYY-MM-DD, "
         "e.g. 2026-11-23 (see `marvin stats --help`)"),
        (("--team", "nope"), "Error: no team named 'nope'; create it with `marvin team set nope "
                             "...`"),
    ],
)
def test_stats_errors_are_one_line_and_exit_2(
    cli: Cli, store: SqliteStore, args: tuple[str, ...], message: str
) -> None:
    store.save_team(TEAM)

    result = cli("stats", *args)

    assert result.returncode == 2
    assert one_error_line(result) == message


def test_a_bad_store_url_is_one_line(cli: Cli) -> None:
    result = cli("runs", MARVIN_STORE="postgres://nope")

    assert result.returncode == 2
    assert one_error_line(result).startswith(
        "Configuration error: invalid setting MARVIN_STORE: expected sqlite:///PATH")


def test_a_run_still_going_shows_its_header_without_task_runs(
    cli: Cli, history: SqliteHistory
) -> None:
    history.save_flow_run(FlowRunRecord(
        id=FRESH_RUN, flow="standup", version="1", parameters={"team": "eng", "date": None},
        state="Running", message="Running flow", scheduled_at=MONDAY, started_at=MONDAY,
        ended_at=None,
    ))

    listed = table_rows(cli("runs").stdout)
    assert re.match(r"│ f7e500000000 │ standup │ Running │ 2026-06-01 07:30:00 │ - +│ - +│ "
                    r"team=eng +│", listed[0]), listed
    shown = cli("runs", "show", FRESH_RUN[:6]).stdout.splitlines()
    assert shown == [
        f"standup run {FRESH_RUN}",
        "state: Running: Running flow",
        "started 2026-06-01 07:30:00 UTC, ended -, took -; scheduled for 2026-06-01 07:30:00; "
        "version 1",
        "parameters: team=eng",
        "no task runs recorded (yet, if the run is still going)",
    ]


def test_stats_count_a_member_added_today_on_no_past_day(cli: Cli, store: SqliteStore) -> None:
    """`marvin team add` keeps the join date (the next standup), so the days before it
    are not counted as missed; `team remove` keeps the leave date the same way."""
    store.save_team(Team(name="eng", timezone="UTC", days=(0, 1, 2, 3, 4, 5, 6)))
    store.save_member(Member("U0001", "eng", "Old"))  # stored before dates were kept: always
    added = cli("team", "add", "U0002", "--team", "eng", "--name", "New")
    assert added.returncode == 0, added.stderr
    yesterday = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)).isoformat()

    result = cli("stats", "--team", "eng", "--until", yesterday, "--daily")

    assert result.returncode == 0, result.stderr
    assert "reminders needed 1.0/day" in result.stdout, result.stdout  # Old alone
    members = [[cell.strip() for cell in row.split("│")[1:4]]
               for row in table_rows(result.stdout)[30:]]
    assert members == [["U0001", "Old", "0 of 30"]]  # New: no day of the range was theirs

    removed = cli("team", "remove", "U0001")
    assert removed.returncode == 0, removed.stderr
    after = cli("stats", "--team", "eng", "--until", yesterday)
    assert "reminders needed 1.0/day" in after.stdout, after.stdout  # those days were Old's
