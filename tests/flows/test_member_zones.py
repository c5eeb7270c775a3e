"""Reminders in each member's own zone, end to end: the scheduler fires per zone, the run
reminds only that zone's members, for the team's next standup still ahead.

Team "pacific" stands up at 09:00 UTC, Monday to Friday, and reminds at 08:30 in each
member's zone. One member's Slack profile says Pacific/Kiritimati (UTC+14), one
Pacific/Pago_Pago (UTC-11), one has no zone (the team's, UTC). The scheduler's catch-up
is driven a minute after each slot, and runs the real reminder flow on the real store and
Slack client against the stand-in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.services import Services
from marvin.app import run_flow
from marvin.domain.models import DeliveryKind, Team
from marvin.engine import LocalExecutor
from marvin.scheduler import FlowScheduler, member_zones, upcoming
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import FixedClock, MakeServices, add_members

KIRITIMATI, PAGO_PAGO, NO_ZONE = "U0101", "U0102", "U0103"
PACIFIC = Team("pacific", timezone="UTC", standup_time="09:00", reminder_time="08:30",
               reminder_zone="member")
MONDAY = dt.datetime(2026, 6, 8, tzinfo=dt.UTC)


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in the week of Monday 2026-06-08 (day 0), in UTC."""
    return MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)


def seed(store: Store, standin: SlackStandIn) -> None:
    store.save_team(PACIFIC)
    add_members(store, (KIRITIMATI, PAGO_PAGO, NO_ZONE), team=PACIFIC.name)
    standin.world.set_user(KIRITIMATI, tz="Pacific/Kiritimati")
    standin.world.set_user(PAGO_PAGO, tz="Pacific/Pago_Pago")
    standin.world.drop_tz(NO_ZONE)


def catch_up_at(
    at: dt.datetime, store: Store, services: Services, clock: FixedClock
) -> list[tuple[str, dict[str, Any]]]:
    """What the scheduler runs for team pacific at `at` (a minute after a slot), each run
    for real (the settings' default team, with no members, runs too)."""
    clock.at = at
    ran: list[tuple[str, dict[str, Any]]] = []

    def run(flow: str, params: dict[str, Any], slot: dt.datetime) -> None:
        ran.append((flow, params))
        result = run_flow(flow, params, services, executor=LocalExecutor(), scheduled_start=slot)
        assert result.state.is_successful(), result.state

    FlowScheduler(store, services.settings, run=run, now=clock).catch_up()
    return [(flow, params) for flow, params in ran if params["team"] == PACIFIC.name]


def reminded(store: Store, date: str) -> list[str]:
    return [d.target for d in store.list_deliveries(PACIFIC.name, date)
            if d.kind is DeliveryKind.REMINDER and d.sent]


def dms_to(standin: SlackStandIn, user: str) -> list[str]:
    return [str(m["text"]) for m in standin.posted_messages(f"D{user}")]


def test_each_member_is_reminded_at_their_own_0830_for_the_next_standup(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    seed(store, standin)
    services = make_services()

    # No zone is known yet: the team's zone runs alone, asks Slack, reminds who is in it.
    assert catch_up_at(utc(0, 8, 31), store, services, clock) == [
        ("reminder", {"team": "pacific", "zone": "UTC"})]
    assert reminded(store, "2026-06-08") == [NO_ZONE]
    prefs = {p.user_id: p.tz for p in store.list_member_prefs([KIRITIMATI, PAGO_PAGO, NO_ZONE])}
    assert prefs == {KIRITIMATI: "Pacific/Kiritimati", PAGO_PAGO: "Pacific/Pago_Pago",
                     NO_ZONE: None}

    # Now the scheduler fires per zone (three zones, not three members).
    zones = member_zones(store, [PACIFIC])
    slots = [(r.run.parameter_defaults["zone"], r.run.start_time.in_timezone("UTC"))
             for r in upcoming([PACIFIC], 4, after=utc(0, 8, 31), zones=zones)
             if r.flow == "reminder"]
    assert slots == [("Pacific/Kiritimati", utc(0, 18, 30)),  # Tuesday 08:30 there
                     ("Pacific/Pago_Pago", utc(0, 19, 30)),  # Monday 08:30 there
                     ("UTC", utc(1, 8, 30))]

    # Tuesday 08:30 in Kiritimati is Monday 18:30 UTC, and it is for Tuesday's standup.
    assert catch_up_at(utc(0, 18, 31), store, services, clock) == [
        ("reminder", {"team": "pacific", "zone": "Pacific/Kiritimati"})]
    assert reminded(store, "2026-06-09") == [KIRITIMATI]
    assert "Tuesday 9 June" in dms_to(standin, KIRITIMATI)[0]

    # Monday 08:30 in Pago Pago is Monday 19:30 UTC: Monday's standup is over, so Tuesday's.
    assert catch_up_at(utc(0, 19, 31), store, services, clock) == [
        ("reminder", {"team": "pacific", "zone": "Pacific/Pago_Pago"})]
    assert reminded(store, "2026-06-09") == [KIRITIMATI, PAGO_PAGO]

    # Tuesday 08:30 in Pago Pago is Tuesday 19:30 UTC: for Wednesday's standup.
    assert catch_up_at(utc(1, 19, 31), store, services, clock) == [
        ("reminder", {"team": "pacific", "zone": "Pacific/Pago_Pago"})]
    assert reminded(store, "2026-06-10") == [PAGO_PAGO]
    assert "Wednesday 10 June" in dms_to(standin, PAGO_PAGO)[1]

    # Only then: each got one DM per slot of theirs, none from another zone's runs.
    assert [len(dms_to(standin, u)) for u in (KIRITIMATI, PAGO_PAGO, NO_ZONE)] == [1, 2, 1]


def test_a_run_by_hand_reminds_every_member_and_a_team_zoned_team_ignores_zones(
    store: Store, standin: SlackStandIn, make_services: MakeServices, clock: FixedClock
) -> None:
    seed(store, standin)
    clock.at = utc(0, 8, 30)
    services = make_services()

    run = run_flow("reminder", {"team": "pacific"}, services, executor=LocalExecutor())
    assert run.state.is_successful(), run.state
    assert reminded(store, "2026-06-08") == [KIRITIMATI, PAGO_PAGO, NO_ZONE]

    store.save_team(Team("plain", timezone="UTC"))
    add_members(store, ("U0201",), team="plain")
    standin.world.set_user("U0201", tz="Pacific/Kiritimati")
    assert member_zones(store, [Team("plain")]) == {}
    run = run_flow("reminder", {"team": "plain", "zone": "Pacific/Kiritimati"}, services,
                   executor=LocalExecutor())
    assert run.task_run("members_in_zone").result == []
    assert standin.posted_messages("DU0201") == []
