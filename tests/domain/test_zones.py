"""Per-member reminder zones and nudge times, as pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import Member, MemberPrefs, Team
from marvin.domain.nudge import check_nudge_before, nudge_slot, nudge_text
from marvin.domain.standup import active_standup_date
from marvin.domain.zones import (
    check_reminder_zone,
    member_zone,
    needs_zone_refresh,
    reminder_zones,
)

MEMBERS = Team(name="pacific", timezone="UTC", reminder_zone="member")
T0 = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)


def test_a_member_zoned_team_reminds_in_the_members_slack_zone() -> None:
    assert member_zone(MEMBERS, MemberPrefs("U1", tz="Pacific/Kiritimati")) == "Pacific/Kiritimati"


@pytest.mark.parametrize("prefs", [None, MemberPrefs("U1"), MemberPrefs("U1", tz=""),
                                   MemberPrefs("U1", tz="Mars/Olympus_Mons")])
def test_no_usable_zone_falls_back_to_the_teams(prefs: MemberPrefs | None) -> None:
    assert member_zone(MEMBERS, prefs) == "UTC"


def test_a_team_zoned_team_ignores_the_members_zones() -> None:
    team = Team(timezone="Europe/London")
    assert member_zone(team, MemberPrefs("U1", tz="Asia/Tokyo")) == "Europe/London"
    assert reminder_zones(team, ["Asia/Tokyo"]) == ["Europe/London"]


def test_reminder_zones_are_distinct_with_the_teams_first() -> None:
    zones = ["Pacific/Pago_Pago", "UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
    assert reminder_zones(MEMBERS, zones) == ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
    assert reminder_zones(MEMBERS, []) == ["UTC"]


def test_a_zone_is_asked_again_at_most_daily() -> None:
    assert needs_zone_refresh(None, T0)
    assert needs_zone_refresh(MemberPrefs("U1", nudges=False), T0)  # never fetched
    fetched = MemberPrefs("U1", "UTC", T0)
    assert not needs_zone_refresh(fetched, T0 + dt.timedelta(hours=23, minutes=59))
    assert needs_zone_refresh(fetched, T0 + dt.timedelta(days=1))


def test_the_standup_a_reminder_is_for_is_the_teams_next_one_ahead() -> None:
    team = Team(timezone="UTC", standup_time="09:00")
    kiritimati = dt.datetime(2026, 6, 9, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=14)))
    pago_pago = dt.datetime(2026, 6, 9, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=-11)))
    # Tuesday 08:30 in Kiritimati is Monday 18:30 UTC: Monday's standup is over, not the
    # member's Tuesday yet in UTC, and Tuesday's standup (Tuesday 23:00 there) is next.
    assert active_standup_date(team, kiritimati) == "2026-06-09"
    # Tuesday 08:30 in Pago Pago is Tuesday 19:30 UTC, after Tuesday's standup.
    assert active_standup_date(team, pago_pago) == "2026-06-10"


def test_settings_are_checked() -> None:
    assert check_reminder_zone("member") == "member"
    with pytest.raises(ValueError, match="expected one of team, member, got 'members'"):
        check_reminder_zone("members")
    assert check_nudge_before(0) == 0
    assert check_nudge_before(720) == 720
    for bad in (-5, 721):
        with pytest.raises(ValueError, match="expected 0 \\(no nudges\\) to 720 minutes"):
            check_nudge_before(bad)


def test_the_nudge_is_minutes_before_standup_in_the_teams_zone() -> None:
    assert nudge_slot(Team(standup_time="09:00")) is None  # off by default
    assert nudge_slot(Team(standup_time="09:00", nudge_before=15)) == ("08:45", (0, 1, 2, 3, 4))
    # Crossing midnight: Monday's 00:10 standup is nudged at 23:40 on Sunday.
    assert nudge_slot(Team(standup_time="00:10", nudge_before=30)) == ("23:40", (0, 1, 2, 3, 6))
    assert nudge_slot(Team(standup_time="09:00", days=(6,), nudge_before=600)) == ("23:00", (5,))


def test_the_nudge_text_is_short_and_says_how_to_stop_it() -> None:
    text = nudge_text(Member("U0001"), Team(standup_time="09:00"), "2026-06-08")
    assert text == ("<@U0001>, standup for *Monday 8 June* starts at 09:00 (UTC): your update "
                    "is still missing. `/standup nudges off` stops these.")
    assert nudge_text(Member("not-an-id"), Team(), "2026-06-08").startswith("Standup for")


def test_the_nudge_gives_the_members_own_time_when_it_differs() -> None:
    team = Team(standup_time="09:00", timezone="Europe/Berlin")
    text = nudge_text(Member("U0001"), team, "2026-06-08", "America/New_York")
    assert "starts at 09:00 (Europe/Berlin), 03:00 your time (America/New_York): your " in text
    assert "(Europe/Berlin): your" in nudge_text(Member("U0001"), team, "2026-06-08",
                                                  "Europe/Paris")
