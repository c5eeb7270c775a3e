"""Time off and team holidays in the flows, end to end on both stores and the stand-in.

Four members on the default team (UTC, mon-fri, 09:00, reminders at 08:30); Monday
8 June 2026 is the standup. U0002 posted; U0003 is away; U0004 chose "Skip today".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from flows.common import skip_holiday
from marvin.app import run_flow
from marvin.domain.models import DEFAULT_TEAM, Absence, Holiday, Team
from marvin.engine import FlowRun, LocalExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    REMINDER_AT,
    STANDUP_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    post_update,
)
from tests.flows.test_nudge_flow import NUDGE_AT
from tests.flows.test_reminder_flow import child, dm_sent_to
from tests.flows.test_standup_flow import texts

REASON = "<!here> & parental leave"


def seed(store: Store) -> None:
    add_members(store)
    post_update(store, "U0002", "Reviews, then the release notes.")
    store.save_absence(Absence("U0003", "2026-06-01", "2026-06-12", REASON))
    store.save_absence(Absence("U0001", "2026-06-09", "2026-06-09", "tomorrow only"))
    store.set_skipped(TEAM, DATE, "U0004", True, REMINDER_AT)


def holiday_team(store: Store, **fields: object) -> None:
    """The default team as the settings have it, with 8 June as a custom holiday."""
    store.save_team(Team(DEFAULT_TEAM, "UTC", "09:00", "08:30", (0, 1, 2, 3, 4), "#general",
                         custom_holidays=(Holiday(DATE, "Founders' day"),), **fields))


def run(name: str, make_services: MakeServices) -> FlowRun:
    return run_flow(name, {"team": TEAM}, make_services(), executor=LocalExecutor())


@pytest.mark.parametrize(("flow", "decides", "at"), [
    ("reminder", "is_reminder_needed", REMINDER_AT), ("nudge", "is_nudge_needed", NUDGE_AT)])
def test_away_and_skipping_members_get_no_reminder_and_no_nudge(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
    flow: str, decides: str, at: dt.datetime,
) -> None:
    seed(store)
    clock.at = at

    result = run(flow, make_services)

    assert result.state.is_successful(), result.state
    assert result.task_run("report").result == f"1 {flow}(s) sent, 3 not needed"
    assert dm_sent_to(standin) == ["U0001"]  # away tomorrow, not today
    for user_id in ("U0003", "U0004"):
        needed = child(result, decides, user_id).state
        assert needed.is_skipped() and "away or skipped" in str(needed.message)


def test_a_member_already_past_the_holiday_is_reminded_for_the_next_day(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    """Monday is the team's holiday; at 18:30 UTC it is Tuesday 08:30 in Kiritimati, so
    the run for that zone reminds its member for Tuesday's standup, not nobody."""
    add_members(store)
    holiday_team(store, reminder_zone="member")
    clock.at = dt.datetime(2026, 6, 8, 18, 30, tzinfo=dt.UTC)
    store.save_member_zone("U0001", "Pacific/Kiritimati", clock.at)
    params = {"team": TEAM, "zone": "Pacific/Kiritimati"}

    result = run_flow("reminder", params, make_services(), executor=LocalExecutor())

    assert result.state.is_successful(), result.state
    assert result.task_run("get_standup_date").result == "2026-06-09"
    assert dm_sent_to(standin) == ["U0001"]
    team_zone = run_flow("reminder", {"team": TEAM, "zone": "UTC"}, make_services(),
                         executor=LocalExecutor())
    assert team_zone.task_run("get_standup_date").state.is_skipped()  # Monday there


def test_no_nudges_on_a_team_holiday(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    add_members(store)
    holiday_team(store, nudge_before=15)
    clock.at = NUDGE_AT

    result = run("nudge", make_services)

    assert result.task_run("get_standup_date").state.is_skipped()
    assert standin.calls_to("chat.postMessage") == []


def test_no_reminders_on_a_team_holiday(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    holiday_team(store)

    result = run("reminder", make_services)

    date_task = result.task_run("get_standup_date").state
    assert date_task.is_skipped()
    assert date_task.message == f"{DATE} is a team holiday (Founders' day): no reminders"
    assert standin.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("mode", "away", "missing"),
    [("message", "Away: <@U0003> (&lt;!here&gt; &amp; parental leave)",
      "No update from: <@U0001>"),
     ("thread", "*1 away:* <@U0003> (&lt;!here&gt; &amp; parental leave)",
      "*1 missing:* <@U0001>")],
)
def test_the_digest_lists_who_is_away_with_their_reason_escaped(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock,
    mode: str, away: str, missing: str,
) -> None:
    clock.at = STANDUP_AT
    seed(store)
    store.save_team(Team(DEFAULT_TEAM, "UTC", "09:00", "08:30", (0, 1, 2, 3, 4), "#general",
                         digest_mode=mode))

    result = run("standup", make_services)

    assert result.state.is_successful(), result.state
    first = standin.posted_messages("#general")[0]  # the digest, or the thread's parent
    assert first["text"] == "Standup for Monday 8 June: 1 posted, 1 missing, 1 skipped, 1 away"
    shown = "\n".join(texts(first))
    assert away in shown and missing in shown
    assert "<!here>" not in json.dumps(first)


def test_no_digest_on_a_team_holiday(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    clock.at = STANDUP_AT
    add_members(store)
    post_update(store, "U0002", "for Friday")
    holiday_team(store)

    result = run("standup", make_services)

    date_task = result.task_run("get_digest_date").state
    assert date_task.is_skipped()
    assert "(Founders' day): no digest" in str(date_task.message)
    assert standin.calls_to("chat.postMessage") == []


def test_a_working_day_passes_the_holiday_check() -> None:
    team = Team(custom_holidays=(Holiday(DATE, "Founders' day"),))
    assert skip_holiday(team, "2026-06-09", "digest") == "2026-06-09"
