"""`marvin team set --reminder-zone / --nudge-before`, `marvin team list` and `marvin schedule`
for member-zoned reminders and nudges; bad values are one line naming the option."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from marvin.store.sqlite.store import SqliteStore
from tests.cli.harness import MARVIN, Cli, table_rows


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert MARVIN.exists(), f"console script not installed at {MARVIN}"
    return Cli(tmp_path)


def test_team_set_saves_the_reminder_zone_and_nudges_and_list_shows_them(cli: Cli) -> None:
    saved = cli("team", "set", "eng", "--reminder-zone", "member", "--nudge-before", "15",
                SLACK_BOT_TOKEN=None)
    assert saved.returncode == 0, saved.stderr

    rows = table_rows(cli("team", "list").stdout)
    assert "08:30 (each member's zone)" in rows[1] and "(nudge 15 min before)" in rows[1]

    cli("team", "set", "eng", "--reminder-zone", "team", "--nudge-before", "0")
    store = SqliteStore(str(cli.db))
    try:
        team = store.get_team("eng")
        assert team is not None and (team.reminder_zone, team.nudge_before) == ("team", 0)
    finally:
        store.close()


def test_schedule_shows_the_nudge_and_a_reminder_slot_per_member_zone(cli: Cli) -> None:
    cli("team", "set", "eng", "--reminder-zone", "member", "--nudge-before", "10",
        "--days", "daily")
    cli("team", "add", "U0001", "--team", "eng")
    store = SqliteStore(str(cli.db))
    try:
        store.save_member_zone("U0001", "Pacific/Kiritimati", dt.datetime.now(dt.UTC))
    finally:
        store.close()

    result = cli("schedule", "--next", "30")

    assert result.returncode == 0, result.stderr
    rows = table_rows(result.stdout)
    assert any("│ reminder " in r and "eng (members in Pacific/Kiritimati)" in r for r in rows)
    assert any("│ reminder " in r and "eng (members in UTC)" in r for r in rows)
    assert any("│ nudge " in r and "│ eng " in r for r in rows)


@pytest.mark.parametrize(("args", "option", "value"), [
    (("--reminder-zone", "members"), "'--reminder-zone'", "'members'"),
    (("--nudge-before", "721"), "'--nudge-before'", "721"),
    (("--nudge-before", "-1"), "'--nudge-before'", "-1"),
])
def test_bad_values_are_one_line_naming_the_option(
    cli: Cli, args: tuple[str, ...], option: str, value: str
) -> None:
    result = cli("team", "set", "eng", *args)

    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("Error: "), line
    assert option in line and value in line, line
    assert cli("team", "list").stdout.count("│ eng ") == 0  # nothing was saved
