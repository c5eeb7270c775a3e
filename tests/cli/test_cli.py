"""The `marvin` console script, run as a user runs it: a subprocess with its own env and cwd.

Each test gets an empty working directory (so no `.env` is read) and an environment with
none of the machine's SLACK_*/MARVIN_*/GOOGLE_* variables, a SQLite store in tmp_path and
a bot token that must never appear in any output. Nothing talks to the real Slack: commands
run with --dry-run, fail before sending, or point SLACK_API_URL at a local stand-in.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marvin.domain.models import Member
from marvin.store import open_history
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.cli.harness import Cli, closed_port_url, table_rows


def test_run_reminder_dry_run_prints_what_it_would_send_and_the_task_table(cli: Cli) -> None:
    cli.add_members("U0001", "U0002")

    result = cli("run", "reminder", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert re.search(r"^would DM U0001: Hi <@U0001>! Standup for \*", result.stdout, re.M)
    assert re.search(r"^would DM U0002: ", result.stdout, re.M)
    rows = table_rows(result.stdout)
    for task in ("get_standup_date", "get_team", "get_updates", "is_reminder_needed",
                 "send_reminder", "report"):
        assert any(re.match(rf"│ {task} +│ (Success|Mapped) ", row) for row in rows), task
    assert sum("└ [" in row for row in rows) == 4  # two children of each mapped task
    assert "flow run: Success: All reference tasks succeeded" in result.stdout
    assert not cli.db.with_name("marvin.db").exists()  # MARVIN_STORE was used, not the default


def test_team_add_list_and_set(cli: Cli) -> None:
    added = cli("team", "add", "U0001", "--name", "Ann")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added U0001 to team default"

    listed = cli("team", "list")
    assert listed.returncode == 0, listed.stderr
    [row] = table_rows(listed.stdout)
    assert re.match(r"│ default +│ UTC +│ 08:30 +│ 09:00 +│ mon-fri +│ #general +│ message +"
                    r"│ reminder +│ off +│ - +│ - +│ Ann \(U0001\)", row)

    saved = cli("team", "set", "eng", "--timezone", "Europe/London", "--standup-time", "10:00",
                "--days", "mon-thu", "--channel", "#eng", "--digest-mode", "Thread",
                "--late-until", "90m", SLACK_BOT_TOKEN=None)  # no Slack
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "saved team eng"

    listed = cli("team", "list")
    rows = table_rows(listed.stdout)
    assert len(rows) == 2
    assert re.match(r"│ eng +│ Europe/London +│ 08:30 +│ 10:00 +│ mon-thu +│ #eng +│ thread +"
                    r"│ 90m +│ off +│ - +│ - +│ - ", rows[1])


def test_schedule_prints_the_next_runs(cli: Cli) -> None:
    result = cli("schedule", "--next", "3")

    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert len(rows) == 3
    when = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    pattern = rf"│ \w{{3}} {when} UTC +│ {when} +│ (reminder|standup) +│ default +│"
    assert all(re.match(pattern, row) for row in rows), rows


def test_run_standup_dry_run_shows_the_digest_it_would_post_to_testing(cli: Cli) -> None:
    cli.add_members("U0001")

    result = cli("run", "standup", "--dry-run", "--date", "2026-11-23")

    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^would post to #testing: Standup for Monday 23 November: 0 posted, 1 missing\n"
        r"    │ Standup for Monday 23 November\n"
        r"    │\n"
        r"    │ No one posted an update for this standup.\n"
        r"    │\n"
        r"    │ No update from: U0001\n",  # by hand to #testing: named, not pinged
        result.stdout, re.M,
    ), result.stdout
    assert "blocks]" not in result.stdout
    assert "flow run: Success" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("run", "standup", "--dry-run", "--date", "2026-02-30"), {},
         "Error: Invalid value for '--date': bad date '2026-02-30': expected YYYY-MM-DD"),
        (("run", "reminder", "--dry-run", "--team", "nope"), {},
         "Error: no team named 'nope'"),
        (("run", "reminder"), {"SLACK_BOT_TOKEN": None},
         "Configuration error: SLACK_BOT_TOKEN must be set"),
    ],
    ids=["bad-date", "unknown-team", "no-token"],
)
def test_bad_input_is_one_clear_line_and_exit_code_2(
    cli: Cli, args: tuple[str, ...], env: dict[str, str | None], expected: str
) -> None:
    result = cli(*args, **env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(expected), result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "args"),
    [
        ("MARVIN_STANDUP_TIME", "9am", ("run", "reminder", "--dry-run")),
        ("MARVIN_STORE", "postgres://x", ("team", "list")),
    ],
)
def test_bad_settings_name_the_variable_and_exit_2(
    cli: Cli, variable: str, value: str, args: tuple[str, ...]
) -> None:
    result = cli(*args, **{variable: value})

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Configuration error:")
    assert f"{variable}: " in result.stderr and repr(value) in result.stderr
    assert result.stdout == ""


def test_a_bad_setting_is_reported_on_one_line(cli: Cli) -> None:
    result = cli("team", "list", MARVIN_STANDUP_TIME="9am")

    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("args", "env", "names", "value"),
    [
        (("serve",), {"SLACK_BOT_TOKEN": None}, "SLACK_BOT_TOKEN", None),
        (("run", "standup", "--dry-run", "--date", "2026-11-28"), {}, "'--date'", "2026-11-28"),
        (("runs", "--flow", "nope"), {}, "'--flow'", "'nope'"),
        (("team", "set", "eng", "--timezone", "Mars/Phobos"), {}, "'--timezone'", "'Mars/Phobos'"),
        (("team", "set", "eng", "--standup-time", "25:99"), {}, "'--standup-time'", "'25:99'"),
        (("team", "set", "eng", "--days", "someday"), {}, "'--days'", None),
        (("team", "set", "eng", "--digest-mode", "threads"), {}, "'--digest-mode'", "'threads'"),
        (("team", "set", "eng", "--late-until", "soon"), {}, "'--late-until'", "'soon'"),
        (("team", "add", "x1"), {}, "'USER_ID'", "'x1'"),
        (("schedule", "--next", "0"), {}, "'--next'", None),
        (("run", "nope"), {}, "'FLOW'", "'nope'"),
        (("run", "reminder", "--bogus"), {}, "--bogus", None),
        (("team", "list"), {"MARVIN_STANDUP_TIME": "25:99"}, "MARVIN_STANDUP_TIME", "'25:99'"),
    ],
    ids=["serve-unconfigured", "date-not-a-standup-day", "unknown-flow", "unknown-zone",
         "bad-time", "bad-days", "bad-digest-mode", "bad-late-window", "bad-user-id",
         "typer-range", "bad-flow-argument",
         "unknown-option", "bad-setting"],
)
def test_every_error_is_one_line_naming_the_option_and_exit_2(
    cli: Cli, args: tuple[str, ...], env: dict[str, str | None], names: str, value: str | None
) -> None:
    """One style whoever finds the mistake (Typer, a parser, the settings): one line on
    stderr, naming the option or variable, saying what was expected, the value once."""
    result = cli(*args, **env)

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    line = result.stderr.strip()
    assert line.startswith(("Error: ", "Configuration error: ")), line
    assert names in line and "Usage" not in line and "╭" not in line, line
    assert "--dry-run" not in line, line  # serve has no --dry-run to suggest
    if value is not None:
        assert line.count(value) == 1, line


def test_user_input_in_an_error_is_shown_as_typed(cli: Cli) -> None:
    result = cli("run", "reminder", "--dry-run", "--team", "[/eng]")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no team named '[/eng]'" in result.stderr


@pytest.mark.parametrize("columns", [99, 80, 60, 40])
def test_tables_never_break_a_value_on_a_narrow_terminal(cli: Cli, columns: int) -> None:
    """Short values (zones, channels, days, ids, states, times) stay whole on one line;
    only free text wraps, at spaces; nothing is cut off with an ellipsis."""
    saved = cli("team", "set", "eng", "--timezone", "Europe/Berlin", "--days", "mon,wed,fri",
                "--channel", "#engineering-standups")
    assert saved.returncode == 0, saved.stderr
    store = SqliteStore(str(cli.db))
    try:
        for number in range(3, 6):
            store.save_member(Member(f"U000{number}", team="eng", name=f"Person {number}"))
    finally:
        store.close()
    ran = cli("run", "reminder", "--team", "eng", "--date", "2026-11-23",
              SLACK_API_URL=closed_port_url())  # fails at once, but is recorded
    assert ran.returncode == 1, ran.stdout + ran.stderr
    history = open_history(f"sqlite:///{cli.db}")
    try:
        [run] = history.list_flow_runs(limit=5)
    finally:
        history.close()

    teams = cli("team", "list", COLUMNS=str(columns))
    runs = cli("runs", COLUMNS=str(columns))
    shown = cli("runs", "show", run.id, COLUMNS=str(columns))
    schedule = cli("schedule", "--next", "2", COLUMNS=str(columns))

    for result, values in (
        (teams, ["Europe/Berlin", "#engineering-standups", "mon,wed,fri", "08:30", "09:00",
                 "(U0003)", "(U0004)", "(U0005)"]),
        (runs, [run.id[:12], "reminder", "Failed", "date=2026-11-23", "team=eng"]),
        (shown, ["get_standup_date", "is_reminder_needed", "send_reminder", "Success",
                 "chat.postMessage", "connection_refused", "Failed"]),
        (schedule, ["reminder", "standup", "UTC"]),
    ):
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert all(len(line.rstrip()) <= columns for line in lines), result.stdout
        assert "…" not in result.stdout, result.stdout
        for value in values:
            assert any(value in line for line in lines), (value, result.stdout)


def test_run_standup_by_hand_says_what_it_covers_and_never_repeats_the_schedule(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001", "U0002")
    scheduled = cli("run", "standup", "--channel", "#general", "--date", "2026-11-23",
                    SLACK_API_URL=standin.url)  # what the schedule does at standup time
    assert scheduled.returncode == 0, scheduled.stdout + scheduled.stderr

    again = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url)

    assert again.returncode == 0, again.stdout + again.stderr
    first, second, *rest = again.stdout.splitlines()
    assert first == ("covers the standup of Monday 23 November (2026-11-23), team default, "
                     "to #testing")
    assert second.startswith("the digest for 2026-11-23 was posted to #general on schedule at ")
    assert second.endswith("; nothing sent (--force sends it anyway)")
    assert rest == []
    assert [m["channel"] for m in standin.posted_messages()] == [
        standin.world.channel_id("#general")]

    forced = cli("run", "standup", "--date", "2026-11-23", "--force", SLACK_API_URL=standin.url)

    assert forced.returncode == 0, forced.stdout + forced.stderr
    general, testing = standin.posted_messages()
    assert "<@U0001>" in str(general["blocks"])  # the team's channel: mentions, as ever
    assert "<@" not in str(testing["blocks"])  # by hand to #testing: nobody pinged
    assert "No update from: U0001, U0002" in str(testing["blocks"])


def test_run_standup_by_hand_without_a_date_names_the_standup_it_covers(cli: Cli) -> None:
    result = cli("run", "standup", "--dry-run")

    assert result.returncode == 0, result.stderr
    assert re.match(r"covers the standup of \w+ \d+ \w+ \(\d{4}-\d\d-\d\d\), team default, "
                    r"to #testing\n", result.stdout), result.stdout


def test_a_copied_env_example_dry_runs_and_its_placeholders_are_never_used(cli: Cli) -> None:
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    (cli.cwd / ".env").write_text(example + f"MARVIN_STORE=sqlite:///{cli.db}\n")

    dry = cli("run", "standup", "--dry-run", "--date", "2026-11-23", SLACK_BOT_TOKEN=None)
    uncommented = cli("run", "reminder", SLACK_BOT_TOKEN=None,
                      SLACK_SIGNING_SECRET="your-signing-secret")

    assert dry.returncode == 0, dry.stderr
    assert uncommented.returncode == 2
    assert uncommented.stderr.startswith("Configuration error: invalid setting "
                                         "SLACK_SIGNING_SECRET: still the .env.example")
