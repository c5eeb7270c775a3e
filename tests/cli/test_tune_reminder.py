"""`marvin stats --tune-reminder`, run as a user runs it: the console script on a seeded
SQLite file (the week of Monday 2026-06-01, long over)."""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import Member, Team
from marvin.store.sqlite.store import SqliteStore
from tests.cli.test_runs import Cli, cli, store, table_rows

__all__ = ["cli", "store"]  # fixtures, used by name

# standup 09:00 London (08:00 UTC in June), reminder 08:30 (07:30 UTC)
TEAM = Team(name="eng", timezone="Europe/London", days=(0, 1, 2, 3, 4))
WEEK = ["2026-06-01", "2026-06-02", "2026-06-03"]


def seed(store: SqliteStore) -> None:
    store.save_team(TEAM)
    for user in ("U1", "U2"):
        store.save_member(Member(user, "eng", user))
    for date in WEEK:
        day = dt.datetime.fromisoformat(f"{date}T00:00:00+00:00")
        store.append_update("eng", date, "U1", "early", day.replace(hour=6, minute=50))
        store.append_update("eng", date, "U2", "late", day.replace(hour=7, minute=40))


def test_tune_reminder_prints_the_curve_the_recommendation_and_the_data_used(
    cli: Cli, store: SqliteStore
) -> None:
    seed(store)

    result = cli("stats", "--tune-reminder", "--team", "eng", "--since", "2026-06-01",
                 "--until", "2026-06-03")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.splitlines()[0] == (
        "team eng (Europe/London): reminder 08:30, standup 09:00; 3 standup days used from "
        "2026-06-01 to 2026-06-03")
    rows = {r.split("│")[1].strip(): [c.strip() for c in r.split("│")[2:5]]
            for r in table_rows(out)}
    assert rows["08:30 (now)"] == ["30 min", "1.0", "3"]  # U2 posts at 08:40 local
    assert rows["08:45 ← recommended"] == ["15 min", "0.0", "0"]
    assert rows["07:45"] == ["75 min", "2.0", "6"]
    assert "recommended: 08:45 (15 min before standup), 0.0 reminders/day" in out
    assert "assumption: a member who had first posted before a candidate time" in out


def test_tune_reminder_with_a_target_and_bad_input(cli: Cli, store: SqliteStore) -> None:
    seed(store)
    strict = cli("stats", "--tune-reminder", "--team", "eng", "--since", "2026-06-01",
                 "--until", "2026-06-05", "--target", "0")
    assert strict.returncode == 0, strict.stderr
    assert "5 standup days used" in strict.stdout  # Thu and Fri: both missed, both count
    assert "no candidate time keeps within the target 0.0/day (now 08:30: 1.4/day)" in (
        strict.stdout)

    nothing = cli("stats", "--tune-reminder", "--team", "eng", "--since", "2027-06-01",
                  "--until", "2027-06-05")
    assert nothing.returncode == 0 and "no day to replay yet" in nothing.stdout

    bad = cli("stats", "--tune-reminder", "--team", "eng", "--target", "-1")
    assert bad.returncode == 2 and "Invalid value for '--target'" in bad.stderr
    alone = cli("stats", "--team", "eng", "--target", "1")
    assert alone.returncode == 2
    assert "Invalid value for '--target': only with --tune-reminder" in alone.stderr
