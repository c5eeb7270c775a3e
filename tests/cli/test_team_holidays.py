"""`marvin team set --holidays` and `marvin team holiday add|remove|list`, as a user runs them."""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import Holiday, Team
from marvin.store.sqlite.store import SqliteStore
from tests.cli.harness import Cli, table_rows


def stored_team(runner: Cli, name: str = "eng") -> Team | None:
    store = SqliteStore(str(runner.db))
    try:
        return store.get_team(name)
    finally:
        store.close()


def test_set_help_lists_holidays(cli: Cli) -> None:  # noqa: F811
    shown = cli("team", "set", "--help")
    assert shown.returncode == 0 and "--holidays" in shown.stdout and "DE-BY" in shown.stdout


def test_a_country_calendar_is_checked_and_stored(cli: Cli) -> None:  # noqa: F811
    assert cli("team", "set", "eng", "--holidays", "de-by").returncode == 0
    assert stored_team(cli).holidays == "DE-BY"  # type: ignore[union-attr]
    bad = cli("team", "set", "eng", "--holidays", "XX")
    assert bad.returncode == 2 and "unknown holiday country 'XX'" in bad.stderr
    assert stored_team(cli).holidays == "DE-BY"  # type: ignore[union-attr]
    assert cli("team", "set", "eng", "--holidays", "none").returncode == 0
    assert stored_team(cli).holidays == ""  # type: ignore[union-attr]


def test_own_holidays_are_added_listed_and_removed(cli: Cli) -> None:  # noqa: F811
    assert cli("team", "set", "eng", "--holidays", "US").returncode == 0
    added = cli("team", "holiday", "add", "eng", "2026-12-31", "--name", "Year end")
    assert added.returncode == 0, added.stderr
    assert cli("team", "holiday", "add", "eng", "2026-12-24").returncode == 0
    assert stored_team(cli).custom_holidays == (  # type: ignore[union-attr]
        Holiday("2026-12-24", "Team holiday"), Holiday("2026-12-31", "Year end"))

    listed = cli("team", "holiday", "list", "eng", "--year", "2026")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "team eng: country calendar US"
    assert "2026-12-25  Christmas Day  (US)" in lines
    assert "2026-12-31  Year end  (team)" in lines

    assert cli("team", "holiday", "remove", "eng", "2026-12-24").returncode == 0
    again = cli("team", "holiday", "remove", "eng", "2026-12-24")
    assert again.returncode == 1 and "not one of team eng's own holidays" in again.stderr
    assert stored_team(cli).custom_holidays == (  # type: ignore[union-attr]
        Holiday("2026-12-31", "Year end"),)


def test_bad_holiday_input_is_one_clear_line_and_changes_nothing(cli: Cli) -> None:  # noqa: F811
    assert cli("team", "set", "eng").returncode == 0
    cases = {
        ("add", "eng", "2026-02-30"): "bad date '2026-02-30'",
        ("add", "eng", "2026-12-31", "--name", " "): "1 to 80 characters",
        ("add", "nope", "2026-12-31"): "create it with `marvin team set nope`",
    }
    for args, message in cases.items():
        result = cli("team", "holiday", *args)
        assert result.returncode == 2, args
        assert message in result.stderr, result.stderr
    assert stored_team(cli).custom_holidays == ()  # type: ignore[union-attr]


def test_schedule_notes_the_runs_on_a_holiday_and_the_next_standup(cli: Cli) -> None:  # noqa: F811
    assert cli("team", "set", "eng", "--days", "daily", "--timezone", "UTC").returncode == 0
    today = dt.datetime.now(dt.UTC).date()
    day_off, after = today + dt.timedelta(days=2), today + dt.timedelta(days=3)
    assert cli("team", "holiday", "add", "eng", day_off.isoformat(),
               "--name", "Offsite").returncode == 0

    shown = cli("schedule", "--next", "30")

    assert shown.returncode == 0, shown.stderr
    rows = [r for r in table_rows(shown.stdout) if "│ eng" in r]
    noted = [r for r in rows if day_off.isoformat() in r.split("│")[1]]
    assert noted and all(
        f"holiday: Offsite (skipped; next standup {after:%a %Y-%m-%d})" in r for r in noted)
    assert any("holiday" not in r for r in rows)


def test_schedule_without_holidays_keeps_its_columns(cli: Cli) -> None:  # noqa: F811
    shown = cli("schedule", "--next", "3")
    assert shown.returncode == 0 and "note" not in shown.stdout and "holiday" not in shown.stdout
