"""The weekly report flow end to end on the stand-in, on both stores: participation,
blockers (recurring or not), streaks and digest links, posted once per week and channel.

The week is Monday 8 to Friday 12 June 2026; the report runs on the Friday at 16:00."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from marvin.app import run_flow
from marvin.domain.models import Absence, Answer, DeliveryKind, Member, Team
from marvin.engine import LocalExecutor
from marvin.reports.weekly_report import PostedDigest
from marvin.scheduler import team_clocks
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_limits_check import check_message
from tests.flows.conftest import TEAM, FixedClock, MakeServices

FRIDAY = "2026-06-12"
AT = dt.datetime(2026, 6, 12, 16, 0, tzinfo=dt.UTC)
WEEK = ["2026-06-08", "2026-06-09", "2026-06-10", "2026-06-11", "2026-06-12"]


@pytest.fixture(autouse=True)
def on_friday(clock: FixedClock) -> None:
    clock.at = AT


def answer(store: Store, user: str, date: str, blocker: str = "") -> None:
    answers = [Answer("q1", "Did?", f"work on {date}")]
    if blocker:
        answers.append(Answer("q3", "Blocked?", blocker, blockers=True))
    store.save_answers(TEAM, date, user, tuple(answers), AT)


def seed(store: Store) -> None:
    for user in ("U0001", "U0002", "U0003"):
        store.save_member(Member(user, TEAM, f"Member {user}"))
    for date in ["2026-06-04", "2026-06-05", *WEEK]:  # U0001 posts every day
        answer(store, "U0001", date)
    answer(store, "U0002", WEEK[0], blocker="the <!channel> build & CI")
    answer(store, "U0002", WEEK[2], blocker="still the build")
    answer(store, "U0003", "2026-06-05", blocker="waiting on legal")
    answer(store, "U0003", WEEK[1], blocker="legal again")
    store.set_skipped(TEAM, WEEK[3], "U0003", True, AT)
    store.save_absence(Absence("U0002", WEEK[1], WEEK[1], "dentist"))


def text_of(message: dict[str, Any]) -> str:
    return "\n".join(str(b["text"]["text"]) for b in message["blocks"])


def test_the_report_of_the_week_posted_once(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    run_flow("standup", {"team": TEAM, "date": WEEK[0], "standup_channel": "#general"},
             make_services(), executor=LocalExecutor())
    run = run_flow("weekly_report", {"team": TEAM}, make_services(), executor=LocalExecutor())
    assert run.state.is_successful(), run.state

    [report] = standin.posted_messages("#general")[1:]
    assert check_message(report) is None
    text = text_of(report)
    assert report["blocks"][0]["text"]["text"] == "Weekly report: week of Monday 8 June"
    assert "(posted / away / skipped / missed, streak)" in text
    assert "<@U0001>: 5 / 0 / 0 / 0, streak 7" in text  # Thursday and Friday before count
    assert "<@U0002>: 2 / 1 / 0 / 2, streak 0" in text  # away on Tuesday
    assert "<@U0003>: 1 / 0 / 1 / 3, streak 0" in text
    assert "the &lt;!channel&gt; build &amp; CI _(recurred)_" in text  # twice this week
    assert "legal again _(recurred)_" in text  # also the standup before the week
    [digest] = [d for d in store.list_deliveries(TEAM, WEEK[0])
                if d.kind is DeliveryKind.DIGEST]
    channel_id, ts = digest.detail.split(":")[0], digest.detail.split(":")[1].split(";")[0]
    assert f"<{PostedDigest(channel_id, ts).link}|Monday 8 June>" in text

    again = run_flow("weekly_report", {"team": TEAM}, make_services(), executor=LocalExecutor())
    assert again.task_run("post_report").state.is_skipped()
    assert len(standin.posted_messages("#general")) == 2
    assert [d.target for d in store.list_deliveries(TEAM, WEEK[0])
            if d.kind is DeliveryKind.REPORT and d.sent] == ["#general"]


def test_by_hand_elsewhere_the_report_pings_nobody(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    run = run_flow("weekly_report", {"team": TEAM, "date": WEEK[1],
                                     "standup_channel": "#testing"},
                   make_services(), executor=LocalExecutor())
    assert run.state.is_successful(), run.state
    [report] = standin.posted_messages("#testing")
    assert "<@" not in text_of(report) and "Member U0001: 2 / 0 / 0" in text_of(report)
    assert "No digest was posted this week" in text_of(report)


def test_the_report_has_its_own_clock_only_when_on() -> None:
    assert "weekly_report" not in team_clocks(Team("ops"))
    clock = team_clocks(Team("ops", timezone="Europe/Paris", weekly_report="fri 16:00"))[
        "weekly_report"]
    after = dt.datetime(2026, 6, 8, tzinfo=dt.UTC)
    assert clock.next_after(after) == dt.datetime(2026, 6, 12, 14, 0, tzinfo=dt.UTC)


def test_before_mondays_standup_the_report_is_of_the_week_just_ended(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    seed(store)
    clock.at = dt.datetime(2026, 6, 15, 8, 0, tzinfo=dt.UTC)  # Monday, before 09:00
    run = run_flow("weekly_report", {"team": TEAM}, make_services(), executor=LocalExecutor())
    assert run.state.is_successful(), run.state
    [report] = standin.posted_messages("#general")
    assert report["blocks"][0]["text"]["text"] == "Weekly report: week of Monday 8 June"
