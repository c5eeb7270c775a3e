"""The streak rule the weekly report and the App Home share, the standup dates before a
date they are counted over, and links to posted messages."""

from __future__ import annotations

import pytest

from marvin.domain.models import Holiday, Team
from marvin.domain.participation import DayState
from marvin.domain.slack_links import archive_link
from marvin.domain.standup import standup_dates_before
from marvin.domain.streaks import Streak, streak

POSTED, AWAY, SKIPPED, MISSED = DayState.POSTED, DayState.AWAY, DayState.SKIPPED, DayState.MISSED


@pytest.mark.parametrize(("states", "expected", "shown"), [
    ([], Streak(0, open_ended=True), "0"),
    ([POSTED, POSTED], Streak(2, open_ended=True), "2+"),
    ([MISSED, POSTED, AWAY, POSTED], Streak(2, open_ended=False), "2"),
    ([POSTED, SKIPPED], Streak(0, open_ended=False), "0"),
    ([POSTED, AWAY, AWAY], Streak(1, open_ended=True), "1+"),
    ([AWAY, MISSED, AWAY], Streak(0, open_ended=False), "0"),
])
def test_time_off_neither_breaks_nor_lengthens_a_streak(
    states: list[DayState], expected: Streak, shown: str
) -> None:
    assert streak(states) == expected
    assert str(streak(states)) == shown


def test_standup_dates_before_pass_over_weekends_and_holidays() -> None:
    team = Team(name="eng", custom_holidays=(Holiday("2026-11-24", "Offsite"),))
    # Thursday 26 November: Tuesday is a holiday, the weekend no standup day
    assert standup_dates_before(team, "2026-11-26", 5) == [
        "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23", "2026-11-25"]
    assert standup_dates_before(team, "2026-11-26", 0) == []


def test_archive_link_is_the_ts_without_its_dot() -> None:
    assert archive_link("C0GENERAL", "1712345678.000100") == (
        "https://slack.com/archives/C0GENERAL/p1712345678000100")
