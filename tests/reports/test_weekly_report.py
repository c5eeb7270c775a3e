"""The weekly report's blocks: within Slack's limits however big the team, escaped, and
streaks that say when they reach beyond what was read."""

from __future__ import annotations

from marvin.domain.models import Answer, Member, Team, Update
from marvin.reports.weekly_report import standup_dates, streak_start, weekly_report
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
