"""`marvin.reports.stats`: participation, reminders needed and digest size, on fixed data.

The range is the week of Monday 2026-06-01 (never today's date): five standup days for a
mon-fri team, a weekend update that must not count, recorded reminder runs built by hand
(complete, incomplete, another team's, several for one day) and one recorded from a real
run of the reminder flow.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from flows.reminder import flow as reminder_flow
from flows.services import Services, use_services
from marvin.domain.models import Member, Team, Update
from marvin.domain.standup import standup_days
from marvin.history.recorder import HistoryRecorder, recording
from marvin.reports.stats import reminders_needed_by_date, team_stats
from marvin.settings import Settings
from marvin.slack.dry_run import DryRunChat
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord, RunDetail, TaskRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore

TEAM = Team(name="eng", timezone="Europe/London", days=(0, 1, 2, 3, 4))
ANN, BOB, CID = (Member("U0001", "eng", "Ann"), Member("U0002", "eng", "Bob"),
                 Member("U0003", "eng", "Cid"))
MEMBERS = (ANN, BOB, CID)
START, END = "2026-06-01", "2026-06-07"  # Monday to Sunday
T0 = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)


def update(date: str, member: Member, *entries: str, team: str = "eng") -> Update:
    return Update(team=team, date=date, user_id=member.user_id, entries=entries)


UPDATES: dict[str, list[Update]] = {
    "2026-06-01": [update("2026-06-01", ANN, "abc"), update("2026-06-01", BOB, "hello")],
    "2026-06-02": [update("2026-06-02", ANN, "x" * 10), update("2026-06-02", BOB, " \u200b")],
    "2026-06-04": [update("2026-06-04", m, "ok") for m in MEMBERS],
    "2026-06-05": [update("2026-06-05", ANN, "done", "more")],  # text "done\nmore": 9
    "2026-06-06": [update("2026-06-06", CID, "weekend")],  # Saturday: not a standup day
}


def task(run_id: str, slug: str, state: str, index: int | None = None, result: str = ""
         ) -> TaskRunRecord:
    parent = f"{run_id}/{slug}" if index is not None else None
    return TaskRunRecord(
        id=f"{run_id}/{slug}" + (f"[{index}]" if index is not None else ""),
        flow_run_id=run_id, task=slug, map_index=index, parent_id=parent, state=state,
        message="", result=result, run_count=1, started_at=None, ended_at=None,
    )


def reminder_run(
    run_id: str,
    date: str | None,
    needed: int,
    not_needed: int = 0,
    *,
    team: str = "eng",
    started: dt.datetime = T0,
    finished: bool = True,
    parent_state: str = "Mapped",
    date_param: str | None = None,
    flow: str = "reminder",
    zone: str | None = None,
) -> RunDetail:
    """A recorded reminder run: `needed` children ran, `not_needed` were skipped."""
    tasks = [
        task(run_id, "get_standup_date", "Success" if date else "Skipped", result=date or ""),
        task(run_id, "get_team", "Success"),
        task(run_id, "is_reminder_needed", parent_state),
    ]
    states = ["Success"] * needed + ["Skipped"] * not_needed
    tasks += [task(run_id, "is_reminder_needed", s, i) for i, s in enumerate(states)]
    header = FlowRunRecord(
        id=run_id, flow=flow, version="1", state="Success" if finished else "Running",
        parameters={"team": team, "date": date_param, "force": False}
        | ({"zone": zone} if zone else {}), message="",
        scheduled_at=None, started_at=started,
        ended_at=started + dt.timedelta(seconds=2) if finished else None,
    )
    return RunDetail(run=header, task_runs=tasks)


RUNS = [
    reminder_run("r1", "2026-06-01", needed=2, not_needed=1),  # Bob posted after his reminder
    reminder_run("r2a", "2026-06-02", needed=3, started=T0 + dt.timedelta(days=1)),
    reminder_run("r2b", "2026-06-02", needed=2, not_needed=1,
                 started=T0 + dt.timedelta(days=1, minutes=5)),  # the latest complete one
    reminder_run("r2c", "2026-06-02", needed=0, not_needed=3,
                 started=T0 + dt.timedelta(days=1, minutes=9), finished=False),  # still running
    reminder_run("r3a", "2026-06-03", needed=1, team="ops"),  # another team's
    reminder_run("r3b", "2026-06-03", needed=0, parent_state="TriggerFailed"),  # never mapped
    reminder_run("r3c", "2026-06-03", needed=1, flow="standup"),  # not a reminder run
    reminder_run("r5", None, needed=1, not_needed=2, date_param="2026-06-05",
                 started=T0 + dt.timedelta(days=4)),  # date only from its parameter
]


def test_standup_days_are_the_teams_days_in_the_range_inclusive() -> None:
    assert standup_days(TEAM, START, END) == [
        "2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05"]
    sun_thu = Team(name="eng", days=(6, 0, 1, 2, 3))
    assert standup_days(sun_thu, "2026-06-04", "2026-06-08") == [
        "2026-06-04", "2026-06-07", "2026-06-08"]
    assert standup_days(TEAM, "2026-06-06", "2026-06-07") == []
    assert standup_days(TEAM, "2026-06-03", "2026-06-03") == ["2026-06-03"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-06-08", "2026-06-01", "starts (2026-06-08) after it ends"),
        ("2026-6-1", END, "expected YYYY-MM-DD"),
        ("2026-02-30", END, "bad date '2026-02-30': expected YYYY-MM-DD, e.g. 2026-11-23"),
    ],
)
def test_bad_ranges_are_value_errors_that_say_why(start: str, end: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        team_stats(TEAM, MEMBERS, {}, [], start, end)


def test_a_team_without_standup_days_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="no valid standup days"):
        standup_days(Team(name="eng", days=()), START, END)


def test_per_day_posted_missing_and_digest_size() -> None:
    stats = team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END)

    assert [d.date for d in stats.days] == standup_days(TEAM, START, END)
    assert [d.posted for d in stats.days] == [2, 1, 0, 3, 1]  # Bob's blank update is no post
    assert [d.missing for d in stats.days] == [1, 2, 3, 0, 2]
    assert [d.digest_characters for d in stats.days] == [8, 10, 0, 6, 9]
    assert stats.standup_days == 5
    assert stats.avg_digest_updates == pytest.approx(7 / 5)
    assert stats.avg_digest_characters == pytest.approx(33 / 5)


def test_reminders_needed_come_from_the_latest_complete_run_else_from_who_was_missing() -> None:
    stats = team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END)

    needed = [(d.reminders_needed, d.reminders_recorded) for d in stats.days]
    assert needed == [
        (2, True),  # the run's count, not the 1 still missing at the end
        (2, True),  # r2b, not the earlier r2a nor the unfinished r2c
        (3, False),  # only another team's, a failed and a non-reminder run: estimated
        (0, False),  # no run at all: estimated
        (1, True),  # date from the run's parameter
    ]
    assert stats.recorded_days == 3
    assert stats.avg_reminders_needed == pytest.approx(8 / 5)


def test_reminders_needed_add_up_over_a_teams_member_zones() -> None:
    later = T0 + dt.timedelta(hours=1)
    runs = [
        reminder_run("k1", "2026-06-01", needed=2, zone="Pacific/Kiritimati"),
        reminder_run("k2", "2026-06-01", needed=1, zone="Pacific/Kiritimati", started=later),
        reminder_run("p1", "2026-06-01", needed=3, zone="Pacific/Pago_Pago"),
        reminder_run("u1", "2026-06-02", needed=1, zone="UTC"),
        reminder_run("h2", "2026-06-02", needed=4, started=later),  # by hand: every member
    ]
    assert reminders_needed_by_date("eng", runs) == {"2026-06-01": 4, "2026-06-02": 4}


def test_participation_per_member_and_on_average() -> None:
    stats = team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END)

    by_member = [(m.member.name, m.days_posted, m.standup_days, m.participation)
                 for m in stats.members]
    assert by_member == [("Ann", 4, 5, 80.0), ("Bob", 2, 5, 40.0), ("Cid", 1, 5, 20.0)]
    assert stats.avg_participation == pytest.approx(140 / 3)


def test_members_count_only_on_the_days_they_belonged() -> None:
    """Dee joined for Wednesday's standup, Bob left from Thursday's: neither is missing
    (nor a reminder needed) on a day they were not in the team."""
    dee = Member("U0004", "eng", "Dee", joined_on="2026-06-03")
    bob = Member("U0002", "eng", "Bob", left_on="2026-06-04")
    stats = team_stats(TEAM, (ANN, bob, CID, dee), UPDATES, [], START, END)

    #                                       Mon Tue Wed Thu Fri
    assert [d.missing for d in stats.days] == [1, 2, 4, 1, 2]
    assert [d.reminders_needed for d in stats.days] == [1, 2, 4, 1, 2]
    assert [d.posted for d in stats.days] == [2, 1, 0, 3, 1]  # a post is a post
    by_member = [(m.member.name, m.days_posted, m.standup_days) for m in stats.members]
    assert by_member == [("Ann", 4, 5), ("Bob", 1, 3), ("Cid", 1, 5), ("Dee", 0, 3)]


def test_a_member_slack_cannot_reach_is_not_missing_from_the_day_they_were_marked() -> None:
    cid = Member("U0003", "eng", "Cid", inactive_since="2026-06-03",
                 inactive_reason="account_inactive")
    stats = team_stats(TEAM, (ANN, BOB, cid), UPDATES, [], START, END)

    #                                       Mon Tue Wed Thu Fri
    assert [d.missing for d in stats.days] == [1, 2, 2, 0, 1]  # Cid only Mon and Tue
    assert [(m.member.name, m.standup_days) for m in stats.members][2] == ("Cid", 2)


def test_a_member_added_today_is_not_missing_on_past_days() -> None:
    new = Member("U0005", "eng", "New", joined_on="2026-06-08")
    stats = team_stats(TEAM, (new,), {}, [], START, END)

    assert [d.missing for d in stats.days] == [0, 0, 0, 0, 0]
    assert stats.avg_reminders_needed == 0
    assert stats.members == ()  # no day of the range was theirs


def test_other_teams_records_and_repeated_members_are_ignored() -> None:
    ops = Member("U0009", "ops", "Ops person")
    mixed = {date: [*ups, update(date, ops, "ops news", team="ops")]
             for date, ups in UPDATES.items()}

    stats = team_stats(TEAM, [ANN, ops, ANN, BOB, CID], mixed, RUNS, START, END)

    assert [m.member for m in stats.members] == [ANN, BOB, CID]
    assert stats == team_stats(TEAM, MEMBERS, UPDATES, RUNS, START, END)


def test_updates_filed_under_the_wrong_date_do_not_count() -> None:
    misfiled = {"2026-06-03": [update("2026-06-02", ANN, "yesterday's")]}

    stats = team_stats(TEAM, MEMBERS, misfiled, [], START, END)

    assert sum(d.posted for d in stats.days) == 0


def test_a_range_without_standup_days_gives_zeros_not_errors() -> None:
    stats = team_stats(TEAM, MEMBERS, UPDATES, RUNS, "2026-06-06", "2026-06-07")

    assert stats.days == ()
    assert stats.avg_reminders_needed == 0.0
    assert stats.avg_digest_updates == stats.avg_digest_characters == 0.0
    assert [m.participation for m in stats.members] == [0.0, 0.0, 0.0]
    assert stats.avg_participation == 0.0


def test_a_team_without_members_has_no_participation_and_no_estimated_reminders() -> None:
    stats = team_stats(TEAM, [], UPDATES, [], START, END)

    assert stats.members == ()
    assert stats.avg_participation == 0.0
    assert [d.reminders_needed for d in stats.days] == [0, 0, 0, 0, 0]
    assert [d.posted for d in stats.days] == [2, 1, 0, 3, 1]  # former members' updates count


def test_runs_without_a_start_time_lose_to_any_started_run() -> None:
    unstarted = reminder_run("r0", "2026-06-01", needed=3)
    unstarted = RunDetail(
        run=FlowRunRecord(**{**unstarted.run.__dict__, "started_at": None, "ended_at": None,
                             "state": "Failed"}),
        task_runs=unstarted.task_runs,
    )
    assert reminders_needed_by_date("eng", [unstarted]) == {}  # never ended: incomplete
    assert reminders_needed_by_date("eng", [RUNS[0], RUNS[1]]) == {
        "2026-06-01": 2, "2026-06-02": 3}


# A real reminder run, recorded --------------------------------------------------------------


def run_reminder(
    tmp_path: Path, now: dt.datetime, scheduled: dt.datetime | None = None,
    history: RunHistory | None = None,
) -> list[RunDetail]:
    """Run the real reminder flow (dry run) for team eng at `now`, where Bob posted on
    Tuesday 2026-06-02; recorded into `history` (default: SQLite, next to the store) and
    read back from there."""
    store = SqliteStore(str(tmp_path / "m.db"))
    owned = history is None
    history = SqliteHistory(str(tmp_path / "m.db")) if history is None else history
    try:
        store.save_team(TEAM)
        for member in MEMBERS:
            store.save_member(member)
        store.append_update("eng", "2026-06-02", BOB.user_id, "posted early", T0)
        settings = Settings(_env_file=None, store="sqlite:///:memory:")  # type: ignore[call-arg]
        services = Services(store=store, chat=DryRunChat(io.StringIO()), settings=settings,
                            now=lambda: now, dry_run=True)
        recorder = HistoryRecorder(history, reminder_flow)
        with use_services(services), recording(recorder):
            run = reminder_flow.run(
                parameters={"team": "eng"},
                recorder=recorder,
                scheduled_start_time=scheduled.timestamp() if scheduled else None,
            )
        assert run.state.is_successful(), run.state
        details = [history.get_run(r.id) for r in history.list_flow_runs(limit=10)]
        return [d for d in details if d is not None]
    finally:
        store.close()
        if owned:
            history.close()


def test_a_recorded_run_of_the_reminder_flow_counts_who_needed_a_reminder(
    tmp_path: Path,
) -> None:
    details = run_reminder(tmp_path, dt.datetime(2026, 6, 2, 7, 30, tzinfo=dt.UTC))

    assert reminders_needed_by_date("eng", details) == {"2026-06-02": 2}
    stats = team_stats(TEAM, MEMBERS, {}, details, START, END)
    assert stats.days[1].reminders_needed == 2 and stats.days[1].reminders_recorded


def test_a_late_reminder_run_skipped_after_standup_says_nothing(tmp_path: Path) -> None:
    slot = dt.datetime(2026, 6, 2, 7, 30, tzinfo=dt.UTC)  # 08:30 in London
    details = run_reminder(tmp_path, slot + dt.timedelta(hours=2), scheduled=slot)

    [detail] = details
    assert detail.run.state == "Success"  # skipped reminders do not fail the run
    assert reminders_needed_by_date("eng", details) == {}
