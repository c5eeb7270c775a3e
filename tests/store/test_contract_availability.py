"""The `Store` contract for time off and team holidays, on SQLite and on Firestore."""

from __future__ import annotations

from marvin.domain.models import Absence, Holiday, Team
from marvin.store import Store

CHRISTMAS = Absence("U1", "2026-12-24", "2027-01-02", "Christmas <3 & family")


def test_time_off_round_trips_and_lists_by_member(store: Store) -> None:
    later = Absence("U1", "2027-03-01", "2027-03-01")
    store.save_absence(later)
    store.save_absence(CHRISTMAS)
    store.save_absence(Absence("U2", "2026-12-28", "2026-12-28", "dentist"))
    assert store.list_absences("U1") == [CHRISTMAS, later]
    assert store.list_absences("U3") == []


def test_time_off_is_replaced_by_member_and_start(store: Store) -> None:
    store.save_absence(CHRISTMAS)
    shorter = Absence("U1", "2026-12-24", "2026-12-27", "")
    store.save_absence(shorter)
    assert store.list_absences("U1") == [shorter]


def test_absences_from_lists_everyone_still_away_or_planned(store: Store) -> None:
    past = Absence("U0", "2026-11-02", "2026-11-06")
    dentist = Absence("U2", "2026-12-28", "2026-12-28", "dentist")
    for absence in (dentist, past, CHRISTMAS):
        store.save_absence(absence)
    assert store.absences_from("2026-12-28") == [CHRISTMAS, dentist]
    assert store.absences_from("2026-12-29") == [CHRISTMAS]
    assert store.absences_from("2026-11-06") == [past, CHRISTMAS, dentist]
    assert store.absences_from("2027-01-03") == []


def test_deleting_time_off_says_whether_it_existed(store: Store) -> None:
    store.save_absence(CHRISTMAS)
    assert store.delete_absence("U1", "2026-12-24") is True
    assert store.delete_absence("U1", "2026-12-24") is False
    assert store.list_absences("U1") == []


def test_team_holidays_round_trip(store: Store) -> None:
    team = Team("ops", holidays="DE-BY",
                custom_holidays=(Holiday("2026-12-31", "Year end"), Holiday("2027-01-04")))
    store.save_team(team)
    assert store.get_team("ops") == team
    assert store.list_teams() == [team]
