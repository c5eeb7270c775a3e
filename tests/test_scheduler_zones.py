"""The scheduler for member-zoned reminders and nudges: one reminder job per distinct zone
(not per member), the nudge `nudge_before` minutes before standup, jobs that follow the
members' zones as they change. Nothing sleeps and no flow runs."""

from __future__ import annotations

import datetime as dt

import pytest

from flows import AUTOMATIONS, SCHEDULED_FLOWS
from marvin.domain.models import Member, Team
from marvin.scheduler import (
    FlowScheduler,
    flow_schedules,
    job_id,
    member_zones,
    team_jobs,
    upcoming,
)
from marvin.store.sqlite.store import SqliteStore
from tests.test_scheduler import FakeRun, make_settings

MONDAY = dt.datetime(2026, 6, 8, tzinfo=dt.UTC)
PACIFIC = Team("pacific", timezone="UTC", reminder_zone="member")


@pytest.fixture
def store(sqlite_store: SqliteStore) -> SqliteStore:
    return sqlite_store


def test_a_member_zoned_team_has_one_reminder_job_per_distinct_zone() -> None:
    zones = ("Pacific/Kiritimati", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago")
    jobs = team_jobs(PACIFIC, zones)

    assert sorted(jobs) == ["reminder:pacific@Pacific/Kiritimati",
                            "reminder:pacific@Pacific/Pago_Pago", "reminder:pacific@UTC",
                            "standup:pacific"]
    flow, clock = jobs["reminder:pacific@Pacific/Kiritimati"]
    assert (flow, clock.timezone, clock.cron) == ("reminder", "Pacific/Kiritimati",
                                                  "30 8 * * mon,tue,wed,thu,fri")
    assert dict(clock.parameter_defaults) == {"team": "pacific", "zone": "Pacific/Kiritimati"}
    assert jobs["standup:pacific"][1].timezone == "UTC"  # the digest stays in the team's zone


def test_a_team_zoned_team_keeps_its_one_reminder_job_and_its_id() -> None:
    assert sorted(team_jobs(Team("eng"), ("Asia/Tokyo",))) == ["reminder:eng", "standup:eng"]
    assert job_id("reminder", {"team": "eng"}) == "reminder:eng"
    assert job_id("reminder", {"team": "eng", "zone": "Asia/Tokyo"}) == "reminder:eng@Asia/Tokyo"


def test_a_team_with_nudges_has_a_nudge_job_before_standup() -> None:
    team = Team("eng", timezone="Europe/London", standup_time="09:00", nudge_before=20)
    flow, clock = team_jobs(team)["nudge:eng"]
    assert (flow, clock.cron, clock.timezone) == ("nudge", "40 8 * * mon,tue,wed,thu,fri",
                                                  "Europe/London")
    runs = [r for r in upcoming([team], 3, after=MONDAY) if r.flow == "nudge"]
    assert [r.run.start_time.isoformat() for r in runs] == ["2026-06-08T08:40:00+01:00"]


def test_the_scheduler_schedules_the_nudge_but_never_an_automation(store: SqliteStore) -> None:
    store.save_team(Team("eng", nudge_before=20, weekly_report="fri 16:00"))
    scheduler = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: MONDAY)
    scheduler.start(catch_up=False)
    try:
        flows = {j.id.partition(":")[0] for j in scheduler.jobs()}
    finally:
        scheduler.shutdown()
    assert flows == set(SCHEDULED_FLOWS) == {"reminder", "standup", "nudge", "weekly_report"}
    assert not flows & set(AUTOMATIONS)
    team = Team("eng", nudge_before=20, weekly_report="fri 16:00")
    assert set(flow_schedules([team])) == set(SCHEDULED_FLOWS)


def test_the_jobs_follow_the_members_zones(store: SqliteStore) -> None:
    store.save_team(PACIFIC)
    for user in ("U0101", "U0102"):
        store.save_member(Member(user, team="pacific"))
    scheduler = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: MONDAY,
                              zone_sync_seconds=0)

    def reminder_jobs() -> list[str]:
        scheduler._sync_jobs()
        return sorted(j.id for j in scheduler.jobs() if j.id.startswith("reminder:pacific"))

    scheduler.start(catch_up=False)
    try:
        assert reminder_jobs() == ["reminder:pacific@UTC"]  # no zone known yet
        store.save_member_zone("U0101", "Pacific/Kiritimati", MONDAY)
        store.save_member_zone("U0102", "Pacific/Kiritimati", MONDAY)
        assert member_zones(store, [PACIFIC]) == {
            "pacific": ("Pacific/Kiritimati", "Pacific/Kiritimati")}
        assert reminder_jobs() == ["reminder:pacific@Pacific/Kiritimati",
                                   "reminder:pacific@UTC"]
        store.save_member_zone("U0101", "Pacific/Pago_Pago", MONDAY)  # a user_change
        assert reminder_jobs() == ["reminder:pacific@Pacific/Kiritimati",
                                   "reminder:pacific@Pacific/Pago_Pago",
                                   "reminder:pacific@UTC"]
    finally:
        scheduler.shutdown()


def test_the_members_zones_are_not_read_every_minute(store: SqliteStore) -> None:
    store.save_team(PACIFIC)
    store.save_member(Member("U0101", team="pacific"))
    scheduler = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: MONDAY)
    scheduler.start(catch_up=False)
    try:
        store.save_member_zone("U0101", "Pacific/Kiritimati", MONDAY)
        scheduler._sync_jobs()  # within ZONE_SYNC_SECONDS of start: the zones as read then
        assert "reminder:pacific@Pacific/Kiritimati" not in {j.id for j in scheduler.jobs()}
        store.save_team(Team("another"))  # the teams changed: everything is read again
        scheduler._sync_jobs()
        assert "reminder:pacific@Pacific/Kiritimati" in {j.id for j in scheduler.jobs()}
    finally:
        scheduler.shutdown()
