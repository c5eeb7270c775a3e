"""The reminder-time tuner and the day summaries it and the pages read: pure replays of
recorded updates."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import Absence, Delivery, DeliveryKind, Member, Team, Update
from marvin.domain.participation import DayState, day_state
from marvin.reports.day_summaries import summarize_dates
from marvin.reports.reminder_tuner import days_over, reminder_offset, tune_reminder
from marvin.reports.standup_overview import first_post_offsets

# London in June is UTC+1: standup 10:00 local is 09:00 UTC, the reminder 09:00 local 08:00 UTC
TEAM = Team("eng", "Europe/London", standup_time="10:00", reminder_time="09:00")
MEMBERS = [Member(f"U{i}", "eng") for i in range(1, 5)]
MON, TUE = "2026-06-01", "2026-06-02"


def utc(date: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{date}T{hhmm}:00+00:00")


def posted(date: str, user: str, hhmm: str | None, skipped: bool = False) -> Update:
    first = utc(date, hhmm) if hhmm else None
    return Update("eng", date, user, () if skipped else ("did things",), first, skipped=skipped,
                  first_posted_at=first)


def test_day_state_posted_skipped_missed() -> None:
    assert day_state(None) is DayState.MISSED
    assert day_state(posted(MON, "U1", "08:00")) is DayState.POSTED
    assert day_state(posted(MON, "U1", None, skipped=True)) is DayState.SKIPPED
    assert day_state(Update("eng", MON, "U1", (" ",))) is DayState.MISSED


@pytest.mark.parametrize(("reminder", "standup", "minutes"), [
    ("09:00", "10:00", 60), ("09:45", "10:00", 15), ("10:00", "10:00", 1440),
    ("17:00", "09:00", 960),  # the afternoon before
])
def test_reminder_offset(reminder: str, standup: str, minutes: int) -> None:
    team = Team("eng", reminder_time=reminder, standup_time=standup)
    assert reminder_offset(team) == minutes


def test_replay_counts_who_had_not_posted_by_each_candidate_and_recommends_the_latest() -> None:
    updates = [
        posted(MON, "U1", "07:10"), posted(MON, "U2", "07:50"), posted(MON, "U3", "08:40"),
        # U4 missed Monday: needs a reminder at every candidate
        posted(TUE, "U1", "07:00"), posted(TUE, "U2", "08:20"), posted(TUE, "U3", "08:50"),
        posted(TUE, "U4", None, skipped=True),  # skipped: not taking part
    ]
    tuning = tune_reminder(TEAM, MEMBERS, updates, [MON, TUE])
    by_time = {c.label: c.needed for c in tuning.curve}
    assert tuning.days_used == 2 and tuning.days_unknown == 0
    # labels are London time, posts UTC: "09:00" is 08:00 UTC
    assert by_time["07:00"] == 4 + 3  # nobody had posted by 06:00 UTC; U4 missed Monday
    assert by_time["09:00"] == 2 + 2  # now: Mon U3, U4; Tue U2, U3
    assert by_time["09:30"] == 2 + 1  # Tue U2 was in by 08:20 UTC
    assert by_time["09:45"] == 1 + 1  # Mon U4; Tue U3 (08:50 UTC)
    assert (tuning.current.label, tuning.current.mean) == ("09:00", 2.0)
    assert tuning.recommended is not None and tuning.recommended.label == "09:45"
    assert [c.minutes_before for c in tuning.curve][:3] == [15, 30, 45]
    assert tuning.curve[-1].minutes_before == 180


def test_the_target_is_the_current_level_unless_given_and_may_be_out_of_reach() -> None:
    updates = [posted(MON, "U1", "08:50"), *(posted(MON, u.user_id, "07:55") for u in MEMBERS[1:])]
    tuning = tune_reminder(TEAM, MEMBERS, updates, [MON])
    assert tuning.recommended is not None and tuning.recommended.label == "09:45"
    loose = tune_reminder(TEAM, MEMBERS, updates, [MON], target=4)
    assert loose.recommended is not None and loose.recommended.label == "09:45"
    strict = tune_reminder(TEAM, MEMBERS, updates, [MON], target=0)  # U1 always posts late
    assert strict.recommended is None and strict.target == 0


def test_days_with_an_unknown_first_post_are_left_out_and_counted() -> None:
    old = Update("eng", MON, "U1", ("before first posts were kept",))
    tuning = tune_reminder(TEAM, MEMBERS[:1], [old, posted(TUE, "U1", "07:00")], [MON, TUE])
    assert (tuning.days_used, tuning.days_unknown) == (1, 1)
    empty = tune_reminder(TEAM, MEMBERS[:1], [old], [MON])
    assert empty.days_used == 0 and empty.recommended is None


def test_only_days_whose_standup_has_come_are_replayed() -> None:
    assert days_over(TEAM, [MON, TUE], utc(TUE, "08:59")) == [MON]
    assert days_over(TEAM, [MON, TUE], utc(TUE, "09:00")) == [MON, TUE]


def test_summaries_count_states_members_on_their_days_and_sent_reminders_and_nudges() -> None:
    members = [*MEMBERS[:3], Member("U9", "eng", joined_on=TUE)]
    updates = [posted(MON, "U1", "07:00"), posted(MON, "U2", None, skipped=True),
               posted(TUE, "U9", "08:30")]
    sent = [Delivery(DeliveryKind.REMINDER, "eng", MON, u, utc(MON, "08:00"), sent=True)
            for u in ("U2", "U3")]
    claimed = Delivery(DeliveryKind.REMINDER, "eng", TUE, "U1", utc(TUE, "08:00"))
    nudged = Delivery(DeliveryKind.NUDGE, "eng", MON, "U3", utc(MON, "08:50"), sent=True)
    days = summarize_dates(TEAM, members, updates, [*sent, claimed, nudged], [MON, TUE])
    assert [(d.posted, d.skipped, d.missed, d.reminders, d.nudges) for d in days] == [
        (1, 1, 1, 2, 1), (1, 0, 3, 0, 0)]
    assert days[1].members == 4
    assert days[1].first_post_times() == [utc(TUE, "08:30")]


def test_first_post_offsets_are_minutes_from_the_reminder() -> None:
    updates = [posted(MON, "U1", "07:30"), posted(MON, "U2", "08:15"),
               Update("eng", MON, "U3", ("unknown",)), posted(TUE, "U1", "08:00")]
    days = summarize_dates(TEAM, MEMBERS, updates, [], [MON])
    assert days[0].unknown_first_posts == 1
    assert first_post_offsets(TEAM, days) == [-30, 15]


def test_the_first_post_chart_keeps_every_first_post_the_tuner_only_members() -> None:
    """An update that said something and was emptied since, or one by someone not counted
    on the date, still has its first post: on the chart, not in the replay."""
    emptied = Update("eng", MON, "U2", (), utc(MON, "08:20"), first_posted_at=utc(MON, "07:45"))
    stranger = posted(MON, "U8", "08:05")  # not a member
    days = summarize_dates(TEAM, MEMBERS[:2], [posted(MON, "U1", "07:30"), emptied, stranger],
                           [], [MON])
    assert (days[0].posted, days[0].missed) == (1, 1)
    assert days[0].other_first_posts and len(days[0].other_first_posts) == 2
    assert sorted(first_post_offsets(TEAM, days)) == [-30, -15, 5]


def test_away_members_are_their_own_state_and_not_counted_by_the_tuner() -> None:
    off = [Absence("U4", MON, TUE, "holiday")]
    assert day_state(None, away=True) is DayState.AWAY
    assert day_state(posted(MON, "U4", None, skipped=True), away=True) is DayState.AWAY
    assert day_state(posted(MON, "U4", "08:00"), away=True) is DayState.POSTED  # posted anyway
    updates = [posted(d, u.user_id, "07:00") for d in (MON, TUE) for u in MEMBERS[:3]]
    with_away = tune_reminder(TEAM, MEMBERS, updates, [MON, TUE], absences=off)
    without = tune_reminder(TEAM, MEMBERS, updates, [MON, TUE])
    assert with_away.current.needed == 0 and without.current.needed == 2  # U4 both days
    days = summarize_dates(TEAM, MEMBERS, updates, [], [MON, TUE], off)
    assert [(d.posted, d.away, d.skipped, d.missed) for d in days] == [(3, 1, 0, 0)] * 2
    assert days[0].members == 4
