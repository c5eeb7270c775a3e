"""The weekly report's blocks: within Slack's limits however big the team, escaped,
streaks that say when they reach beyond what was read, time off counted as away (not
missed, and not breaking a streak), and holidays not counted at all."""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import Absence, Answer, Holiday, Member, Team, Update
from marvin.domain.standup import standup_days as standup_dates
from marvin.reports.weekly_report import streak_start, weekly_report
from marvin.testing.slack_limits_check import check_message

TEAM = Team("ops")
FRIDAY = "2026-06-12"


def test_a_big_team_with_long_blockers_fits_in_several_messages() -> None:
    members = [Member(f"U{i:07d}", "ops") for i in range(300)]
    blocker = Answer("q3", "Blocked?", "<!here> " + "x" * 2_000, blockers=True)
    updates = [Update("ops", d, m.user_id, (), None, (blocker,))
               for d in standup_dates(TEAM, "2026-06-08", FRIDAY) for m in members]
    messages = weekly_report(TEAM, FRIDAY, members, updates, {})
    assert len(messages) > 1
    for message in messages:
        assert check_message({"text": message.text, "blocks": message.blocks}) is None
        assert message.blocks[0]["type"] == "header"
        assert "<!here>" not in str(message.blocks)


def test_a_streak_as_long_as_what_was_read_shows_a_plus() -> None:
    member = Member("U0000001", "ops")
    dates = standup_dates(TEAM, streak_start(FRIDAY), FRIDAY)
    updates = [Update("ops", d, member.user_id, ("did",)) for d in dates]
    [message] = weekly_report(TEAM, FRIDAY, [member], updates, {})
    assert f"streak {len(dates)}+" in str(message.blocks)


def _participation(message_blocks: list[dict[str, object]]) -> str:
    return next(str(b["text"]["text"]) for b in message_blocks  # type: ignore[index]
                if str(b.get("block_id", "")).startswith("report-people"))


def test_time_off_counts_as_away_and_keeps_the_streak() -> None:
    member = Member("U0000001", "ops")
    dates = standup_dates(TEAM, streak_start(FRIDAY), FRIDAY)
    away = {"2026-06-10", "2026-06-11", "2026-05-20"}  # Wednesday and Thursday, and before
    updates = [Update("ops", d, member.user_id, ("did",)) for d in dates if d not in away]
    absences = [Absence(member.user_id, "2026-06-10", "2026-06-11", "trip"),
                Absence(member.user_id, "2026-05-20", "2026-05-20", "")]
    [message] = weekly_report(TEAM, FRIDAY, [member], updates, {}, absences)
    line = _participation(message.blocks)
    assert "(posted / away / skipped / missed, streak)" in line
    assert f"<@U0000001>: 3 / 2 / 0 / 0, streak {len(dates) - 3}+" in line
    [without] = weekly_report(TEAM, FRIDAY, [member], updates, {})  # the same, not away
    assert "<@U0000001>: 3 / 0 / 0 / 2, streak 1\n" in _participation(without.blocks) + "\n"


def test_a_holiday_is_no_standup_date_of_the_week() -> None:
    team = Team("ops", custom_holidays=(Holiday("2026-06-10", "Team day"),))
    member = Member("U0000001", "ops")
    updates = [Update("ops", d, member.user_id, ("did",))
               for d in ("2026-06-08", "2026-06-09", "2026-06-11", "2026-06-12")]
    [message] = weekly_report(team, FRIDAY, [member], updates, {})
    assert "<@U0000001>: 4 / 0 / 0 / 0" in _participation(message.blocks)
    assert dt.date.fromisoformat("2026-06-10").weekday() in team.days
