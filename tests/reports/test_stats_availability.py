"""`marvin stats` with time off and team holidays: away is not missing, a holiday is no
standup day (same fixed week as test_stats: Monday 2026-06-01 to Sunday 2026-06-07)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from marvin.domain.models import Absence, Holiday
from marvin.domain.standup import standup_days
from marvin.reports.stats import team_stats
from tests.reports.test_stats import ANN, BOB, CID, END, MEMBERS, RUNS, START, TEAM, UPDATES

# Cid is away Tuesday and Wednesday (posted neither day); Ann is away Monday but posted.
AWAY = (Absence(CID.user_id, "2026-06-02", "2026-06-03", "conference"),
        Absence(ANN.user_id, "2026-05-25", "2026-06-01"),
        Absence(BOB.user_id, "2026-06-20", "2026-06-21"))  # after the range


def test_away_members_are_not_missing_nor_measured_on_those_days() -> None:
    stats = team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END, AWAY)

    assert [d.missing for d in stats.days] == [1, 1, 2, 0, 2]  # was [1, 2, 3, 0, 2]
    assert [d.posted for d in stats.days] == [2, 1, 0, 3, 1]  # Ann's post while away counts
    by_member = [(m.member.name, m.days_posted, m.standup_days) for m in stats.members]
    assert by_member == [("Ann", 4, 5), ("Bob", 2, 5), ("Cid", 1, 3)]
    assert stats.members[2].participation == pytest.approx(100 / 3)


def test_without_absences_nothing_changes() -> None:
    assert team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END, ()) == team_stats(
        TEAM, MEMBERS, UPDATES, RUNS, START, END)


def test_a_team_holiday_is_not_a_standup_day() -> None:
    team = replace(TEAM, custom_holidays=(Holiday("2026-06-03", "Offsite"),))
    assert standup_days(team, START, END) == [
        "2026-06-01", "2026-06-02", "2026-06-04", "2026-06-05"]
    stats = team_stats(team, MEMBERS, UPDATES, RUNS, START, END)
    assert stats.standup_days == 4
    assert [(m.member.name, m.standup_days) for m in stats.members] == [
        ("Ann", 4), ("Bob", 4), ("Cid", 4)]
