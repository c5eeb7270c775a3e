"""`upcoming` on team holidays: the runs that fire on one and skip, each naming the holiday
and the next standup that is not one; the weekly report and working days carry nothing."""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import Holiday, Team
from marvin.scheduler import HolidaySkip, upcoming

WEDNESDAY = dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)  # the day before Thanksgiving
US = Team("us", timezone="America/New_York", holidays="US", nudge_before=10,
          weekly_report="fri 16:00")


def test_thanksgivings_runs_name_the_holiday_and_the_next_standup() -> None:
    runs = upcoming([US], 8, after=WEDNESDAY)

    thursday = [(r.flow, r.holiday) for r in runs
                if r.run.start_time.date() == dt.date(2026, 11, 26)]
    skip = HolidaySkip("Thanksgiving Day", "2026-11-27")
    assert thursday == [("reminder", skip), ("nudge", skip), ("standup", skip)]
    friday = [(r.flow, r.holiday) for r in runs
              if r.run.start_time.date() == dt.date(2026, 11, 27)]
    assert ("standup", None) in friday and ("weekly_report", None) in friday


def test_a_member_zone_reminder_is_judged_on_its_own_local_date() -> None:
    team = Team("pacific", timezone="America/New_York", holidays="US", reminder_zone="member")
    runs = upcoming([team], 12, after=WEDNESDAY,
                    zones={"pacific": ("Pacific/Kiritimati",)})

    kiritimati = {r.run.start_time.date().isoformat(): r.holiday for r in runs
                  if r.run.parameter_defaults.get("zone") == "Pacific/Kiritimati"}
    # 08:30 Thursday in Kiritimati is Wednesday afternoon in New York: the member's Thursday
    assert kiritimati["2026-11-26"] == HolidaySkip("Thanksgiving Day", "2026-11-27")
    assert kiritimati["2026-11-27"] is None


def test_an_own_holiday_wins_and_no_standup_left_says_none() -> None:
    every_day_off = tuple(Holiday((dt.date(2026, 11, 26) + dt.timedelta(days=d)).isoformat(),
                                  "Sabbatical") for d in range(400))
    team = Team("off", timezone="UTC", days=(3,), custom_holidays=every_day_off)

    runs = upcoming([team], 2, after=WEDNESDAY)

    assert {r.holiday for r in runs} == {HolidaySkip("Sabbatical", None)}
