"""The App Home's "Your last standups": how a member took part in their team's last
standup dates, their streak, and a link to the team's latest weekly report.

Pure over a few small reads, all by id: the member's update of each of those dates
(`RECENT_DATES` at most, `Store.get_update`), their time off (passed in: the tab reads it
once for this and for its "Away" section), and at most two weekly report deliveries by
key (this week's, then last week's). No team-wide scan, so the tab answers within
Slack's 3 s however long the team's history.

Each date is in one state (`day_state`: posted, away, skipped, missed), in words beside
its emoji; holidays are no standup dates, and dates before the member joined are left
out. The streak is the weekly report's (`marvin.domain.streaks`) over the dates shown:
"N+" when nothing shown ended it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pendulum

from marvin.domain.availability import absence_on
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.models import Absence, Member, Team
from marvin.domain.participation import DayState, day_state
from marvin.domain.slack_links import archive_link
from marvin.domain.standup import format_date, parse_date, standup_dates_before
from marvin.domain.streaks import Streak, streak
from marvin.domain.weekly import WEEKLY_OFF, parse_weekly_report, week_of
from marvin.store.base import Store

__all__ = ["HISTORY_HINT", "RECENT_DATES", "STATE_LABELS", "recent_standups_text",
           "weekly_report_line"]

RECENT_DATES = 5
HISTORY_HINT = "`/standup history` shows what you wrote."
# Words beside the emoji: a screen reader, or someone who reads emoji differently, gets
# the state from the word.
STATE_LABELS = {
    DayState.POSTED: ":white_check_mark: posted",
    DayState.AWAY: ":palm_tree: away",
    DayState.SKIPPED: ":fast_forward: skipped",
    DayState.MISSED: ":x: missed",
}


def recent_standups_text(store: Store, team: Team, member: Member, active_date: str,
                         absences: Sequence[Absence]) -> str:
    """The section's mrkdwn: the member's last standup dates before `active_date`, each
    with its state, and their streak."""
    dates = [d for d in standup_dates_before(team, active_date, RECENT_DATES)
             if member.belongs_on(d)]
    if not dates:
        return "*Your last standups*\nNone yet: your first one is ahead."
    states = [day_state(store.get_update(team.name, d, member.user_id),
                        away=absence_on(member.user_id, d, absences) is not None)
              for d in dates]
    days = " · ".join(f"{_short_date(d)} {STATE_LABELS[s]}" for d, s in zip(dates, states,
                                                                             strict=True))
    return f"*Your last standups*\n{days}\n{_streak_line(streak(states))}"


def _streak_line(run: Streak) -> str:
    plural = "" if run.count == 1 else "s"
    return (f":fire: Streak: {run} standup{plural} posted in a row "
            "(time off neither breaks nor lengthens it)")


def _short_date(date: str) -> str:
    day = parse_date(date)
    return pendulum.date(day.year, day.month, day.day).format("ddd D MMM")


def weekly_report_line(store: Store, team: Team, active_date: str) -> str | None:
    """A link to the team's weekly report of this week (the week of `active_date`) or,
    when none went out yet, of last week; None when the team has none, or none was
    posted to its channel with a known channel id and ts."""
    try:
        if parse_weekly_report(team.weekly_report) == WEEKLY_OFF:
            return None
    except ValueError:  # a setting no run can use: no report goes out either
        return None
    this_monday, _ = week_of(active_date)
    last_monday = (parse_date(this_monday) - dt.timedelta(weeks=1)).isoformat()
    for monday in (this_monday, last_monday):
        delivery = store.get_delivery(DeliveryKey.weekly_report(team.name, monday,
                                                                team.channel))
        state = read_detail(delivery) if delivery is not None else None
        if isinstance(state, Sent) and state.channel and state.timestamps:
            link = archive_link(state.channel, state.timestamps[0])
            return f":bar_chart: <{link}|Weekly report: week of {format_date(monday)}>"
    return None
