"""The `marvin` console script, run as a user runs it: a subprocess with its own env and cwd.

Each test gets an empty working directory (so no `.env` is read) and an environment with
none of the machine's SLACK_*/MARVIN_*/GOOGLE_* variables, a SQLite store in tmp_path and
a bot token that must never appear in any output. Nothing talks to the real Slack: commands
run with --dry-run, fail before sending, or point SLACK_API_URL at a local stand-in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from marvin.models import Member
from marvin.store.sqlite import SqliteStore
from marvin.testing.slack_api import SlackStandIn

MARVIN = Path(sys.executable).with_name("marvin")
SECRET = "xoxb-secret-123"
_FOREIGN = ("SLACK_", "MARVIN_", "GOOGLE_", "FIRESTORE_")


class Cli:
    """Runs `marvin ARGS` in one working directory and checks every output for the token."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.db = cwd / "m.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
        self.env.update(
            MARVIN_STORE=f"sqlite:///{self.db}",
            SLACK_BOT_TOKEN=SECRET,  # set, to prove it is never printed
            COLUMNS="200",  # rich wraps at 80 columns when not on a terminal
        )

    def __call__(self, *args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
        merged = dict(self.env)
        for name, value in env.items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        result = subprocess.run(
            [str(MARVIN), *args], cwd=self.cwd, env=merged, capture_output=True, text=True,
            timeout=60, check=False,
        )
        assert SECRET not in result.stdout and SECRET not in result.stderr, args
        return result

    def add_members(self, *user_ids: str) -> None:
        store = SqliteStore(str(self.db))
        try:
            for user_id in user_ids:
                store.save_member(Member(user_id=user_id))
        finally:
            store.close()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert MARVIN.exists(), f"console script not installed at {MARVIN}"
    return Cli(tmp_path)


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as slack:
        yield slack


def table_rows(output: str) -> list[str]:
    """The body rows of a rich table (lines between │ borders)."""
    return [line for line in output.splitlines() if line.startswith("│")]


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
    assert re.match(r"│ default +│ UTC +│ 08:30 +│ 09:00 +│ mon-fri +│ #general +│ Ann \(U0001\)",
                    row)

    saved = cli("team", "set", "eng", "--timezone", "Europe/London", "--standup-time", "10:00",
                "--days", "mon-thu", "--channel", "#eng", SLACK_BOT_TOKEN=None)  # no Slack
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "saved team eng"

    listed = cli("team", "list")
    rows = table_rows(listed.stdout)
    assert len(rows) == 2
    assert re.match(r"│ eng +│ Europe/London +│ 08:30 +│ 10:00 +│ mon-thu +│ #eng +│ - ", rows[1])


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
        r"^would post to #testing: Standup for Monday 23 November: 0 posted, 1 missing",
        result.stdout, re.M,
    )
    assert "flow run: Success" in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("run", "standup", "--dry-run", "--date", "2026-02-30"), {},
         "Error: bad date '2026-02-30': expected YYYY-MM-DD"),
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


def test_user_input_in_an_error_is_shown_as_typed(cli: Cli) -> None:
    result = cli("run", "reminder", "--dry-run", "--team", "[/eng]")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no team named '[/eng]'" in result.stderr


def test_run_standup_posts_to_testing_through_slack_api_url(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001", "U0002")

    result = cli("-v", "run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url)

    assert result.returncode == 0, result.stdout + result.stderr
    [digest] = standin.posted_messages()
    assert digest["channel"] == standin.world.channel_id("#testing")  # posted by id
    assert digest["text"] == "Standup for Monday 23 November: 0 posted, 2 missing"
    assert {call.token for call in standin.calls} == {SECRET}  # sent, but never printed
    assert re.search(r"│ post_digest +│ Success ", result.stdout)
    assert "flow run: Success" in result.stdout


def test_run_standup_exits_1_when_slack_refuses_the_post(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001")
    standin.fail_next("chat.postMessage", status=200, error="is_archived")

    result = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert standin.posted_messages() == []
    assert [c.outcome for c in standin.calls_to("chat.postMessage")] == ["error:is_archived"]
    assert re.search(r"│ post_digest +│ Failed +│ could not post the digest to #testing: "
                     r"is_archived", result.stdout)
    assert "flow run: Failed" in result.stdout


def test_team_set_checks_the_channel_with_slack_and_keeps_its_id(
    cli: Cli, standin: SlackStandIn
) -> None:
    saved = cli("team", "set", "eng", "--channel", "#testing", SLACK_API_URL=standin.url)

    assert saved.returncode == 0, saved.stderr
    store = SqliteStore(str(cli.db))
    try:
        kept = store.get_channel("testing")
    finally:
        store.close()
    assert kept is not None and kept.id == standin.world.channel_id("#testing")


@pytest.mark.parametrize(
    ("channel", "private"), [("#nope", False), ("#leads", True)], ids=["missing", "private"]
)
def test_team_set_refuses_a_channel_marvin_cannot_see_in_one_line(
    cli: Cli, standin: SlackStandIn, channel: str, private: bool
) -> None:
    if private:
        standin.world.add_channel("leads", private=True)  # the bot was never invited

    result = cli("team", "set", "eng", "--channel", channel, SLACK_API_URL=standin.url)

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"Error: --channel: Slack has no channel {channel} that Marvin can see; check the "
        f"name, or if it is private, invite @Marvin to {channel}"
    )
    assert "saved team" not in result.stdout


def test_a_missing_alert_channel_stops_a_run_at_its_start(
    cli: Cli, standin: SlackStandIn
) -> None:
    cli.add_members("U0001")

    result = cli("run", "standup", "--date", "2026-11-23", SLACK_API_URL=standin.url,
                 MARVIN_ALERT_CHANNEL="#alarms")

    assert result.returncode == 2
    assert result.stderr.strip().startswith(
        "Error: MARVIN_ALERT_CHANNEL: Slack has no channel #alarms that Marvin can see"
    )
    assert standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("variable", ["MARVIN_ALERT_CHANNEL", "MARVIN_STANDUP_CHANNEL"])
def test_serve_refuses_to_start_with_a_channel_slack_does_not_have(
    cli: Cli, standin: SlackStandIn, variable: str
) -> None:
    result = cli("serve", SLACK_API_URL=standin.url, SLACK_SIGNING_SECRET="serve-secret",
                 MARVIN_PORT="1", **{variable: "#nope"})

    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        f"Error: {variable}: Slack has no channel #nope that Marvin can see; check the "
        "name, or if it is private, invite @Marvin to #nope"
    )
