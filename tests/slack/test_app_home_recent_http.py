"""App Home's "Your last standups" end to end, on both stores: a signed `app_home_opened`
event, as Slack sends it, through the real Bolt app leads to a `views.publish` on the
stand-in holding the member's last standups, their streak and the weekly report's link."""

from __future__ import annotations

import json
from dataclasses import replace

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Team
from tests.slack.home_harness import ALICE, NOW, Home, texts

REPORT_TS = "1762765200.000100"


def test_opening_home_publishes_your_last_standups_streak_and_the_report(home: Home) -> None:
    team = replace(Team(), weekly_report="fri 16:00")  # the default team, Wednesday 18th
    home.store.save_team(team)
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice", joined_on="2026-11-12"))
    home.store.set_skipped(DEFAULT_TEAM, "2026-11-12", ALICE, True, NOW)
    for date in ("2026-11-13", "2026-11-17"):
        home.store.append_update(DEFAULT_TEAM, date, ALICE, "shipped", NOW)
    home.store.save_absence(Absence(ALICE, "2026-11-16", "2026-11-16", "dentist"))
    home.store.complete_delivery(
        DeliveryKey.weekly_report(DEFAULT_TEAM, "2026-11-09", team.channel),
        f"C0GENERAL:{REPORT_TS}")

    home.open_tab(ALICE)

    published = home.slack.calls_to("views.publish")
    assert [(c.params["user_id"], c.outcome) for c in published] == [(ALICE, "ok")]
    sent = published[0].params["view"]  # what went over the wire to Slack
    shown = texts(json.loads(sent) if isinstance(sent, str) else sent)
    assert ("Thu 12 Nov :fast_forward: skipped · Fri 13 Nov :white_check_mark: posted · "
            "Mon 16 Nov :palm_tree: away · Tue 17 Nov :white_check_mark: posted") in shown
    assert "11 Nov" not in shown  # before she joined
    assert "Streak: 2 standups posted in a row" in shown
    assert ("<https://slack.com/archives/C0GENERAL/p1762765200000100|Weekly report: week of "
            "Monday 9 November>") in shown
    assert "`/standup history` shows what you wrote." in shown
