"""The reminder and nudge DMs give the standup time in the member's own zone too, end to
end: the real flows, store and Slack client against the stand-in.

Team "berlin" stands up at 09:30 Europe/Berlin. A member in London reads "09:30
(Europe/Berlin), 08:30 your time (Europe/London)"; one in Berlin, or with no zone known,
reads the team's time alone; a member-zoned team's member in Kiritimati learns the zone
from Slack in the same run and reads their own evening time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from marvin.app import run_flow
from marvin.domain.models import Team
from marvin.engine import LocalExecutor
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import FixedClock, MakeServices, add_members

LONDON, BERLIN, NO_ZONE = "U0301", "U0302", "U0303"
TEAM = Team("berlin", timezone="Europe/Berlin", standup_time="09:30", reminder_time="08:00")
MONDAY_0700_UTC = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)  # 08:00 in Berlin


def dm_to(standin: SlackStandIn, user: str) -> str:
    (message,) = standin.posted_messages(f"D{user}")
    return str(message["text"])


def test_a_team_zoned_reminder_adds_the_members_own_time_when_it_differs(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    store.save_team(TEAM)
    add_members(store, (LONDON, BERLIN, NO_ZONE), team=TEAM.name)
    store.save_member_zone(LONDON, "Europe/London", MONDAY_0700_UTC)
    store.save_member_zone(BERLIN, "Europe/Berlin", MONDAY_0700_UTC)
    clock.at = MONDAY_0700_UTC

    run = run_flow("reminder", {"team": TEAM.name}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert "at 09:30 (Europe/Berlin), 08:30 your time (Europe/London), and" in dm_to(
        standin, LONDON)
    for user in (BERLIN, NO_ZONE):
        assert "at 09:30 (Europe/Berlin) and I have not seen" in dm_to(standin, user)


def test_a_member_zoned_reminder_shows_the_zone_slack_just_gave(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    store.save_team(replace(TEAM, reminder_zone="member"))
    add_members(store, (LONDON,), team=TEAM.name)
    standin.world.set_user(LONDON, tz="Pacific/Kiritimati")  # nothing kept yet
    clock.at = MONDAY_0700_UTC

    run = run_flow("reminder", {"team": TEAM.name}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert "for *Monday 23 November* is at 09:30 (Europe/Berlin), 22:30 your time " \
           "(Pacific/Kiritimati)," in dm_to(standin, LONDON)


def test_the_nudge_adds_the_members_own_time_too(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    store.save_team(replace(TEAM, nudge_before=15))
    add_members(store, (LONDON,), team=TEAM.name)
    store.save_member_zone(LONDON, "Europe/London", MONDAY_0700_UTC)
    clock.at = MONDAY_0700_UTC + dt.timedelta(hours=1, minutes=15)  # 09:15 in Berlin

    run = run_flow("nudge", {"team": TEAM.name}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert "starts at 09:30 (Europe/Berlin), 08:30 your time (Europe/London): your" in dm_to(
        standin, LONDON)
