"""The export's rows: one per member and standup date (holidays are none), with the state
(away on time off), every answer and when it was first posted and last edited; streamed
(an iterator in, an iterator out)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator

import pytest

from marvin.domain.models import Absence, Answer, Holiday, Member, Team, Update
from marvin.reports.export import csv_lines, export_lines, export_rows, jsonl_lines
from marvin.store import Store

TEAM = Team("ops")  # Monday to Friday
AT = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)
DID = Answer("q1", "What did you do since the last standup?", "=HYPERLINK(\"x\")")
MEMBERS = [Member("U1", "ops", "ann"), Member("U2", "ops", "bob", joined_on="2026-03-03")]


def updates() -> list[Update]:
    return [
        Update("ops", "2026-03-02", "U1", ("free",), AT + dt.timedelta(hours=1), (DID,),
               first_posted_at=AT),
        Update("ops", "2026-03-03", "U2", (), AT, skipped=True),
        Update("ops", "2026-03-07", "U9", ("weekend, no longer a member",), AT),
    ]


def test_one_row_per_member_and_standup_date_with_states() -> None:
    rows = list(export_rows(TEAM, MEMBERS, iter(updates()), since=None, until="2026-03-09"))
    assert [(r.date, r.user_id, r.state) for r in rows] == [
        ("2026-03-02", "U1", "posted"),  # U2 joined on the 3rd
        ("2026-03-03", "U1", "missed"), ("2026-03-03", "U2", "skipped"),
        ("2026-03-04", "U1", "missed"), ("2026-03-04", "U2", "missed"),
        ("2026-03-05", "U1", "missed"), ("2026-03-05", "U2", "missed"),
        ("2026-03-06", "U1", "missed"), ("2026-03-06", "U2", "missed"),
        ("2026-03-07", "U9", "posted"),  # a Saturday, and not a member: still exported
        ("2026-03-09", "U1", "missed"), ("2026-03-09", "U2", "missed"),
    ]
    first = rows[0]
    assert first.answers == {"q1": DID.text} and first.text == "free"
    assert first.first_posted_at == AT and first.last_edited_at == AT + dt.timedelta(hours=1)


def test_time_off_is_away_and_a_holiday_is_no_standup_date() -> None:
    team = Team("ops", custom_holidays=(Holiday("2026-03-04", "Team day"),))
    absences = [Absence("U1", "2026-03-03", "2026-03-05", "trip"),
                Absence("U2", "2026-03-05", "2026-03-05", "")]
    posted_away = Update("ops", "2026-03-05", "U1", ("from the beach",), AT)
    rows = list(export_rows(team, MEMBERS, iter([posted_away]), since="2026-03-03",
                            until="2026-03-05", absences=absences))
    assert [(r.date, r.user_id, r.state) for r in rows] == [
        ("2026-03-03", "U1", "away"), ("2026-03-03", "U2", "missed"),
        ("2026-03-05", "U1", "posted"),  # said something while away: posted
        ("2026-03-05", "U2", "away"),
    ]


def test_the_stores_time_off_reaches_the_export(store: Store) -> None:
    store.save_team(TEAM)
    for member in MEMBERS:
        store.save_member(member)
    store.save_absence(Absence("U2", "2026-03-04", "2026-03-04", "dentist"))
    lines = list(export_lines(store, TEAM, "jsonl", since="2026-03-04", until="2026-03-04",
                              now=AT))
    assert [(json.loads(x)["user_id"], json.loads(x)["state"]) for x in lines] == [
        ("U1", "missed"), ("U2", "away")]


def test_since_bounds_the_rows_and_no_updates_without_since_is_no_rows() -> None:
    later = [u for u in updates() if u.date >= "2026-03-05"]
    rows = list(export_rows(TEAM, MEMBERS, iter(later), since="2026-03-05", until="2026-03-05"))
    assert [r.user_id for r in rows] == ["U1", "U2"]
    assert list(export_rows(TEAM, MEMBERS, iter([]), since=None, until="2026-03-09")) == []


def test_json_lines_and_csv_carry_the_same_fields() -> None:
    rows = list(export_rows(TEAM, MEMBERS, iter(updates()), since=None, until="2026-03-02"))
    first = json.loads(next(jsonl_lines(rows)))
    assert first == {
        "date": "2026-03-02", "user_id": "U1", "name": "ann", "state": "posted",
        "answers": [{"question_id": "q1", "question": DID.question, "text": DID.text}],
        "text": "free", "first_posted_at": "2026-03-02T08:30:00+00:00",
        "last_edited_at": "2026-03-02T09:30:00+00:00"}
    table = list(csv.reader(io.StringIO("".join(csv_lines(rows, TEAM)))))
    assert table[0][:5] == ["date", "user_id", "name", "state",
                            "q1: What did you do since the last standup?"]
    assert table[1][4] == "'" + DID.text, "a formula is made inert for spreadsheets"
    assert table[1][-2:] == ["2026-03-02T08:30:00+00:00", "2026-03-02T09:30:00+00:00"]


def test_a_retired_questions_answer_goes_to_other_answers() -> None:
    team = Team("ops", questions=TEAM.questions[1:])
    rows = export_rows(team, MEMBERS, iter(updates()), since=None, until="2026-03-02")
    header, row = list(csv.reader(io.StringIO("".join(csv_lines(rows, team)))))
    assert row[header.index("other_answers")] == f"{DID.question}: {DID.text}"


def test_rows_are_produced_as_updates_are_read() -> None:
    """The export pulls updates one date at a time: the first row comes before the
    iterator is drained (so memory never holds the whole history)."""
    taken: list[str] = []

    def feed() -> Iterator[Update]:
        for update in updates():
            taken.append(update.date)
            yield update

    rows = export_rows(TEAM, MEMBERS, feed(), since=None, until="2026-03-09")
    next(rows)
    assert taken == ["2026-03-02", "2026-03-03"]  # one look ahead, no more


def test_bad_ranges_and_formats_are_refused_before_reading(store: Store) -> None:
    now = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="starts"):
        export_lines(store, TEAM, "csv", since="2026-03-09", until="2026-03-01", now=now)
    with pytest.raises(ValueError, match="csv or jsonl"):
        export_lines(store, TEAM, "xml", since=None, until=None, now=now)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        export_lines(store, TEAM, "csv", since="2026-3-1", until=None, now=now)


def test_export_from_either_store_until_today(store: Store) -> None:
    store.save_team(TEAM)
    for member in MEMBERS:
        store.save_member(member)
    store.save_answers("ops", "2026-03-02", "U1", (DID,), AT)
    now = dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC)
    lines = list(export_lines(store, TEAM, "jsonl", since=None, until=None, now=now))
    assert [(r["date"], r["user_id"], r["state"]) for r in map(json.loads, lines)] == [
        ("2026-03-02", "U1", "posted"), ("2026-03-03", "U1", "missed"),
        ("2026-03-03", "U2", "missed")]
