"""Day summaries read for a range of dates on both stores: computed and stored lazily for
dates that have none, read back as one record per date, computed again after a late edit,
and never stored for a date that is still open."""

from __future__ import annotations

import datetime as dt
from typing import cast

from marvin.domain.models import Member, Team
from marvin.domain.standup import standup_days
from marvin.reports.day_summaries import day_summaries, is_open
from marvin.store import Store
from tests.support.counting_store import CountingStore

TEAM = Team("eng", "UTC", standup_time="10:00", reminder_time="09:00", late_until="off")
USERS = [f"U{i}" for i in range(1, 7)]
DATES = standup_days(TEAM, "2026-06-01", "2026-06-26")  # four weeks: 20 standup dates
NOW = dt.datetime(2026, 6, 26, 9, 30, tzinfo=dt.UTC)  # before the last date's standup


def at(date: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{date}T{hhmm}:00+00:00")


def seeded(store: Store) -> CountingStore:
    store.save_team(TEAM)
    for user in USERS:
        store.save_member(Member(user, "eng"))
    for date in DATES:
        for user in USERS[:4]:  # U5 and U6 never post
            store.append_update("eng", date, user, "did things", at(date, "08:30"))
    return CountingStore(store)


def test_the_first_read_computes_and_stores_later_reads_are_one_record_per_date(
    store: Store,
) -> None:
    counted = seeded(store)
    first = day_summaries(cast(Store, counted), TEAM, DATES, NOW)
    assert [(d.date, d.posted, d.missed) for d in first] == [(d, 4, 2) for d in DATES]
    assert counted.calls["list_updates_between"] == 1  # one range read for all of them
    assert counted.calls["save_day_summary"] == len(DATES) - 1  # the open date is not kept
    counted.reset()
    again = day_summaries(cast(Store, counted), TEAM, DATES, NOW)
    assert again == first
    assert counted.records["list_day_summaries"] == len(DATES)  # the open one: stale
    # only the open date is read live: its own updates, not the whole range's
    assert counted.records["list_updates_between"] == 4
    assert counted.calls["save_day_summary"] == 0


def test_a_late_edit_brings_its_dates_summary_up_to_date(store: Store) -> None:
    counted = seeded(store)
    day_summaries(cast(Store, counted), TEAM, DATES, NOW)
    edited = DATES[3]
    store.append_update("eng", edited, "U5", "late, but here", at(edited, "16:00"))
    store.set_skipped("eng", DATES[5], "U6", True, at(DATES[5], "16:00"))
    counted.reset()
    days = {d.date: d for d in day_summaries(cast(Store, counted), TEAM, DATES, NOW)}
    assert (days[edited].posted, days[edited].missed) == (5, 1)
    assert (days[DATES[5]].skipped, days[DATES[5]].missed) == (1, 1)
    assert counted.calls["save_day_summary"] == 2  # the two stale ones, stored again
    # those two dates' updates (U5's, U6's skip) and the open date's
    assert counted.records["list_updates_between"] == 5 + 5 + 4
    counted.reset()
    assert day_summaries(cast(Store, counted), TEAM, DATES, NOW)[3].posted == 5
    assert counted.calls["save_day_summary"] == 0


def test_an_open_date_is_computed_live_and_never_stored(store: Store) -> None:
    counted = seeded(store)
    last = DATES[-1]
    assert is_open(TEAM, last, NOW) and not is_open(TEAM, DATES[-2], NOW)
    day_summaries(cast(Store, counted), TEAM, DATES, NOW)
    assert store.list_day_summaries("eng", last, last)[0].summary is None  # left stale
    store.append_update("eng", last, "U5", "now", at(last, "09:40"))
    assert day_summaries(cast(Store, counted), TEAM, [last], NOW)[0].posted == 5
    later = NOW + dt.timedelta(hours=1)  # its standup has come and there is no late window
    assert day_summaries(cast(Store, counted), TEAM, [last], later)[0].posted == 5
    assert store.list_day_summaries("eng", last, last)[0].summary is not None


def test_late_updates_keep_a_date_open_until_its_window_ends() -> None:
    team = Team("eng", "UTC", standup_time="10:00", reminder_time="09:00", late_until="2h")
    date = "2026-06-01"
    assert is_open(team, date, at(date, "11:59"))
    assert not is_open(team, date, at(date, "12:00"))
