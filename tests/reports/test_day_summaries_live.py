"""Day summaries give the standup pages and the tuner exactly the numbers the live
computation over every update, delivery and time off gives: on a seeded history with
posted, away, skipped and missed days, read first (computed and stored), read again (from
the store), and after time off and a late edit change past days. Both stores."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any

from marvin.domain.availability import absence_on
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, Answer, DeliveryKind, Member, Team, Update
from marvin.domain.participation import DayState, day_state
from marvin.domain.standup import standup_days, standup_instant
from marvin.reports.day_summaries import day_summaries
from marvin.reports.reminder_tuner import days_over, reminder_offset, tune_summaries
from marvin.reports.standup_overview import first_post_offsets, reminder_instant
from marvin.store import Store

TEAM = Team("eng", "Europe/Berlin", standup_time="10:00", reminder_time="09:00",
            late_until="off")
DATES = standup_days(TEAM, "2026-06-01", "2026-06-19")  # three weeks: 15 standup dates
NOW = dt.datetime(2026, 6, 22, 12, 0, tzinfo=dt.UTC)
MEMBERS = [Member("U1", "eng"), Member("U2", "eng"), Member("U3", "eng"), Member("U4", "eng"),
           Member("U5", "eng"), Member("U6", "eng", joined_on=DATES[5]),
           Member("U7", "eng", left_on=DATES[9])]
AWAY = [Absence("U3", DATES[2], DATES[6], "trip"), Absence("U4", DATES[8], DATES[9])]


def seeded(store: Store) -> None:
    """Posts at times spread around the reminder, skips, time off (U4 posts anyway on one
    day of it), members who never post on some days, a post by someone not in the team,
    an update emptied after its first post, and sent and unsent reminders."""
    store.save_team(TEAM)
    for member in MEMBERS:
        store.save_member(member)
    for absence in AWAY:
        store.save_absence(absence)
    for i, date in enumerate(DATES):
        due = standup_instant(TEAM, date) - dt.timedelta(minutes=reminder_offset(TEAM))
        for j, member in enumerate(MEMBERS):
            user = member.user_id
            if (i + j) % 5 == 0 or (user == "U3" and DATES[2] <= date <= DATES[6]):
                continue  # missed, or away saying nothing
            if (i * j) % 7 == 3:
                store.set_skipped("eng", date, user, True, due)
                continue
            store.append_update("eng", date, user, "did things",
                                due + dt.timedelta(minutes=(i * 17 + j * 29) % 150 - 60))
            if user in ("U1", "U2"):
                key = DeliveryKey.reminder("eng", date, user)
                store.claim_delivery(key, due)
                if (i + j) % 2:
                    store.complete_delivery(key)
    store.append_update("eng", DATES[3], "U9", "not in the team", standup_instant(TEAM, DATES[3]))
    emptied = (Answer("done", "Done?", "a"),)
    store.save_answers("eng", DATES[4], "U5", emptied, standup_instant(TEAM, DATES[4]))
    store.save_answers("eng", DATES[4], "U5", (), standup_instant(TEAM, DATES[4]))


def live(store: Store) -> dict[str, Any]:
    """The numbers as the pages and the tuner computed them from every record, each
    member's state from `day_state` and `absence_on` on the days they belonged."""
    updates = store.list_updates_between("eng", DATES[0], DATES[-1])
    deliveries = store.list_deliveries_between("eng", DATES[0], DATES[-1])
    absences = store.absences_from(DATES[0])
    members = store.list_members("eng", include_former=True)
    by_date: dict[str, dict[str, Update]] = {}
    for update in updates:
        by_date.setdefault(update.date, {})[update.user_id] = update
    days, posts_on = [], {}
    for date in DATES:
        states = {m.user_id: day_state(by_date.get(date, {}).get(m.user_id),
                                       away=absence_on(m.user_id, date, absences) is not None)
                  for m in members if m.belongs_on(date)}
        sent = sum(1 for d in deliveries
                   if d.date == date and d.sent and d.kind is DeliveryKind.REMINDER)
        days.append((date, *(sum(1 for s in states.values() if s is state)
                             for state in DayState), sent))
        taking_part = {u: by_date.get(date, {}).get(u) for u, s in states.items()
                       if s in (DayState.POSTED, DayState.MISSED)}
        posts_on[date] = [None if u is None or states[u.user_id] is DayState.MISSED
                          else u.first_posted_at for u in taking_part.values()]
    over = days_over(TEAM, DATES, NOW)
    offsets = sorted(int((u.first_posted_at - reminder_instant(TEAM, u.date)).total_seconds()
                         // 60) for u in updates if u.date in over and u.first_posted_at)
    return {"days": days, "offsets": offsets, "needed": _replay(posts_on, over)}


def _replay(posts_on: dict[str, list[dt.datetime | None]], over: Sequence[str],
            ) -> dict[int, int]:
    """Reminders needed per candidate (minutes before standup), summed over `over`."""
    needed: dict[int, int] = {}
    for minutes in range(15, 181, 15):
        for date in over:
            times = sorted(p for p in posts_on[date] if p is not None)
            never = len(posts_on[date]) - len(times)
            at = standup_instant(TEAM, date) - dt.timedelta(minutes=minutes)
            needed[minutes] = (needed.get(minutes, 0) + never + len(times)
                               - bisect.bisect_right(times, at))
    return needed


def summarized(store: Store) -> dict[str, Any]:
    days = day_summaries(store, TEAM, DATES, NOW)
    over = set(days_over(TEAM, DATES, NOW))
    ended = [d for d in days if d.date in over]
    tuning = tune_summaries(TEAM, ended)
    return {
        "days": [(d.date, d.posted, d.away, d.skipped, d.missed, d.reminders) for d in days],
        "offsets": sorted(first_post_offsets(TEAM, ended)),
        "needed": {c.minutes_before: c.needed for c in tuning.curve},
    }


def test_summaries_give_the_live_numbers_computed_stored_and_after_changes(
    store: Store,
) -> None:
    seeded(store)
    expected = live(store)
    states = {state: sum(day[1 + i] for day in expected["days"])
              for i, state in enumerate(DayState)}
    assert all(states.values()), states  # every state is on some day
    assert summarized(store) == expected  # computed, and stored on the way
    stored = store.list_day_summaries("eng", DATES[0], DATES[-1])
    assert all(s.summary for s in stored if s.date in DATES)
    assert summarized(store) == expected  # read back
    # time off added over past days, and some removed; a late post; a member's skip undone
    store.save_absence(Absence("U5", DATES[0], DATES[3], "sick, told later"))
    store.delete_absence("U4", DATES[8])
    store.append_update("eng", DATES[11], "U2", "late", NOW)
    store.set_skipped("eng", DATES[12], "U1", False, NOW)
    changed = live(store)
    assert changed != expected
    assert summarized(store) == changed
    assert summarized(store) == changed
