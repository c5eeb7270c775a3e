"""The App Home's "Your last standups" on both stores: each state in words, holidays and
dates before joining left out, the streak as the weekly report counts it, the weekly
report's link, and how little the tab reads for it (by id, never a team-wide scan)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, Holiday, Member, Team
from marvin.interactions.app_home import Viewer, home_view
from marvin.interactions.home_recent import weekly_report_line
from marvin.store import Store
from marvin.testing.slack_limits_check import check_message
from marvin.testing.slack_views import check_view
from tests.support.counting_store import CountingStore
from tests.support.settings import stand_in_settings

NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)  # Thursday, before the 09:00 standup
AT = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)
OFFSITE = Holiday("2026-11-24", "Offsite")  # Tuesday: no standup date
TEAM = Team("eng", custom_holidays=(OFFSITE,), weekly_report="fri 16:00")
ALICE, BOB = "U0ALICE", "U0BOB"
THIS_MONDAY, LAST_MONDAY = "2026-11-23", "2026-11-16"
# (`list_deliveries` of one date is how the tab tells whether the late window is open)
SCANS = ("list_updates_between", "iter_team_updates", "list_member_updates",
         "list_deliveries_between", "absences_from", "list_date_records")


def _tab(store: Store, user: str = ALICE) -> dict[str, Any]:
    settings = stand_in_settings("http://127.0.0.1:1/api/", "xoxb-test", "secret")
    view = home_view(store, settings, Viewer(user, "UTC"), NOW)
    assert check_view(view, kind="home") == []
    assert check_message({"channel": "D1", "blocks": view["blocks"]}) is None
    return view


def _recent(view: dict[str, Any]) -> tuple[str, str]:
    """The section's text and the context line under it."""
    index = next(i for i, b in enumerate(view["blocks"])
                 if b["type"] == "section" and "*Your last standups*" in b["text"]["text"])
    notes = view["blocks"][index + 1]
    return view["blocks"][index]["text"]["text"], notes["elements"][0]["text"]


def _seed(store: Store) -> None:
    store.save_team(TEAM)
    # Alice joined on Thursday 19th: Wednesday 18th is not hers
    store.save_member(Member(ALICE, TEAM.name, "alice", joined_on="2026-11-19"))
    store.save_member(Member(BOB, TEAM.name, "bob"))
    store.append_update(TEAM.name, "2026-11-18", ALICE, "before joining", AT)
    store.append_update(TEAM.name, "2026-11-20", ALICE, "shipped", AT)
    store.save_absence(Absence(ALICE, "2026-11-23", "2026-11-23", "dentist"))
    store.set_skipped(TEAM.name, "2026-11-25", ALICE, True, AT)
    # Bob: posted every date but one he was away (and skipped); a streak past what is shown
    for date in ("2026-11-18", "2026-11-19", "2026-11-23", "2026-11-25"):
        store.append_update(TEAM.name, date, BOB, "on it", AT)
    store.save_absence(Absence(BOB, "2026-11-20", "2026-11-20", ""))
    store.set_skipped(TEAM.name, "2026-11-20", BOB, True, AT)


def test_each_date_is_in_one_state_in_words_and_holidays_and_earlier_dates_are_left_out(
    store: Store,
) -> None:
    _seed(store)
    text, notes = _recent(_tab(store))
    assert ("Thu 19 Nov :x: missed · Fri 20 Nov :white_check_mark: posted · "
            "Mon 23 Nov :palm_tree: away · Wed 25 Nov :fast_forward: skipped") in text
    assert "18 Nov" not in text and "24 Nov" not in text and "26 Nov" not in text
    assert "Streak: 0 standups posted in a row" in text
    assert "`/standup history` shows what you wrote." in notes


def test_a_streak_skips_time_off_and_reaches_past_what_is_shown(store: Store) -> None:
    _seed(store)
    text, _ = _recent(_tab(store, BOB))
    assert "Fri 20 Nov :palm_tree: away" in text  # skipped, but on time off: away
    assert "Streak: 4+ standups posted in a row" in text


def test_someone_who_joined_today_has_no_last_standups_yet(store: Store) -> None:
    store.save_team(TEAM)
    store.save_member(Member(ALICE, TEAM.name, "alice", joined_on="2026-11-26"))
    text, _ = _recent(_tab(store))
    assert "None yet" in text and "Streak" not in text


def test_the_tab_reads_those_dates_by_id_time_off_once_and_the_report_by_key(
    store: Store,
) -> None:
    _seed(store)
    counted = CountingStore(store)
    _tab(cast(Store, counted))
    assert counted.calls["get_update"] == 4  # the four dates Alice belonged on
    assert counted.calls["list_absences"] == 1  # shared with the Away section
    assert counted.calls["get_delivery"] == 2  # none this week, none last week
    assert counted.calls["list_updates"] == 1  # "posted so far": the active date only
    assert not any(counted.calls[scan] for scan in SCANS), counted.calls


def _report(store: Store, monday: str, detail: str, channel: str = TEAM.channel) -> None:
    store.complete_delivery(DeliveryKey.weekly_report(TEAM.name, monday, channel), detail)


def test_the_latest_weekly_report_posted_to_the_channel_is_linked(store: Store) -> None:
    _seed(store)
    assert weekly_report_line(store, TEAM, "2026-11-26") is None
    _report(store, LAST_MONDAY, "1763370000.000100")  # an older record: no channel id
    _report(store, LAST_MONDAY, "C0TESTING:1763370000.000200", channel="#testing")
    store.claim_delivery(DeliveryKey.weekly_report(TEAM.name, THIS_MONDAY, TEAM.channel),
                         AT, owner="host:1:2")  # being sent: not out yet
    assert weekly_report_line(store, TEAM, "2026-11-26") is None

    _report(store, LAST_MONDAY, "C0GENERAL:1763370000.000300")
    _, notes = _recent(_tab(store))
    assert ("<https://slack.com/archives/C0GENERAL/p1763370000000300|Weekly report: week "
            "of Monday 16 November>") in notes

    _report(store, THIS_MONDAY, "C0GENERAL:1763974800.000100,1763974800.000200")
    line = weekly_report_line(store, TEAM, "2026-11-26")
    assert line is not None and "p1763974800000100|Weekly report: week of Monday 23" in line


def test_a_team_without_a_weekly_report_reads_no_delivery(store: Store) -> None:
    _seed(store)
    off = Team("eng", custom_holidays=(OFFSITE,))
    store.save_team(off)
    _report(store, THIS_MONDAY, "C0GENERAL:1763974800.000100")
    counted = CountingStore(store)
    _, notes = _recent(_tab(cast(Store, counted)))
    assert "Weekly report" not in notes and "get_delivery" not in counted.calls
