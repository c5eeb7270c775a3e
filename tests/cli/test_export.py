"""`marvin export`, run as a user runs it: a file written whole (or not at all), standard
output, and bad options as one clear line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from marvin.domain.models import Answer, Member, Team
from marvin.store.sqlite.store import SqliteStore
from tests.cli.harness import Cli

AT = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)


def seed(db: Path) -> None:
    store = SqliteStore(str(db))
    try:
        store.save_team(Team("ops"))
        store.save_member(Member("U0001", "ops", "ann"))
        store.save_answers("ops", "2026-03-02", "U0001",
                           (Answer("q1", "What did you do?", "shipped, \"quoted\"\nline"),), AT)
    finally:
        store.close()


def test_export_csv_to_a_file_and_jsonl_to_stdout(cli: Cli) -> None:  # noqa: F811
    seed(cli.db)
    out = cli.cwd / "ops.csv"
    result = cli("export", "--team", "ops", "--since", "2026-03-02", "--until", "2026-03-03",
                 "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [(r["date"], r["user_id"], r["state"]) for r in rows] == [
        ("2026-03-02", "U0001", "posted"), ("2026-03-03", "U0001", "missed")]
    assert rows[0]["q1: What did you do since the last standup?"] == "shipped, \"quoted\"\nline"
    assert not (cli.cwd / "ops.csv.partial").exists()

    result = cli("export", "--team", "ops", "--until", "2026-03-02", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["state"] for line in result.stdout.splitlines()] == ["posted"]


def test_bad_options_are_one_line_and_write_nothing(cli: Cli) -> None:  # noqa: F811
    seed(cli.db)
    out = cli.cwd / "x.csv"
    for args, says in [
        (("--format", "xml"), "--format"),
        (("--since", "2026-13-01"), "--since"),
        (("--since", "2026-03-05", "--until", "2026-03-01"), "starts"),
    ]:
        result = cli("export", "--team", "ops", *args, "--out", str(out))
        assert result.returncode == 2 and says in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert cli("export", "--team", "nope").returncode == 2
    assert not out.exists() and not (cli.cwd / "x.csv.partial").exists()


def test_team_set_weekly_report_is_checked_and_listed(cli: Cli) -> None:  # noqa: F811
    assert cli("team", "set", "ops", "--weekly-report", "Friday 16:00").returncode == 0
    assert "fri 16:00" in cli("team", "list").stdout
    bad = cli("team", "set", "ops", "--weekly-report", "someday")
    assert bad.returncode == 2 and "--weekly-report" in bad.stderr and "fri 16:00" in bad.stderr
