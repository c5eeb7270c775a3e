"""The export: one row per member and standup date (and per update on any other date),
as CSV or JSON lines, streamed so 100k rows take constant memory.

Example::

    rows = export_rows(team, members, store.iter_team_updates(team.name, since, until),
                       since=since, until=until)
    for line in jsonl_lines(rows):
        out.write(line)

Pure over what the caller reads: `updates` is an iterator sorted by (date, user id), as
`Store.iter_team_updates` gives it; only one date's updates are held at a time. A member
counts on the standup dates they belonged to (`Member.belongs_on`; the team's holidays
are no standup dates); their state on a date is `day_state`'s (away when their time off
covered it and they said nothing). An update on a date that is not a standup day, or by
someone who is no longer a member, is still a row: an export loses nothing that was
stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from marvin.domain.availability import absence_on
from marvin.domain.models import Absence, Member, Team, Update
from marvin.domain.participation import day_state
from marvin.domain.standup import local_today, parse_date, standup_days
from marvin.store.base import Store

FORMATS = ("csv", "jsonl")
FIXED_COLUMNS = ("date", "user_id", "name", "state")
_FORMULA_STARTS = frozenset("=+-@\t\r")
TAIL_COLUMNS = ("text", "other_answers", "first_posted_at", "last_edited_at")


@dataclass(frozen=True)
class ExportRow:
    """One member on one date: what they said (answers by question id) and when."""

    date: str
    user_id: str
    name: str
    state: str
    answers: dict[str, str]
    questions: dict[str, str]  # question id -> the question as it was asked
    text: str
    first_posted_at: dt.datetime | None
    last_edited_at: dt.datetime | None

    def as_json(self) -> dict[str, object]:
        return {"date": self.date, "user_id": self.user_id, "name": self.name,
                "state": self.state,
                "answers": [{"question_id": q, "question": self.questions[q], "text": t}
                            for q, t in self.answers.items()],
                "text": self.text, "first_posted_at": _iso(self.first_posted_at) or None,
                "last_edited_at": _iso(self.last_edited_at) or None}


def check_range(since: str | None, until: str | None) -> None:
    """ValueError (with what is expected) for a bad date or a range that ends first."""
    first = None if since is None else parse_date(since)
    last = None if until is None else parse_date(until)
    if first is not None and last is not None and first > last:
        raise ValueError(f"the range starts ({since}) after it ends ({until})")


def export_rows(
    team: Team, members: Sequence[Member], updates: Iterable[Update], *,
    since: str | None, until: str, absences: Sequence[Absence] = (),
) -> Iterator[ExportRow]:
    """Every row from `since` (None: the first update's date) to `until`, by date then
    user id. `members` are the team's members, former ones included; `absences` their
    time off."""
    check_range(since, until)
    by_date = itertools.groupby(updates, key=lambda u: u.date)
    pending = next(by_date, None)
    if since is None:
        if pending is None:
            return
        since = pending[0]
    day, last = parse_date(since), parse_date(until)
    standup_dates = set(standup_days(team, since, until))
    people = {m.user_id: m for m in members}
    time_off: dict[str, list[Absence]] = {}
    for absence in absences:
        time_off.setdefault(absence.user_id, []).append(absence)
    while day <= last:
        date = day.isoformat()
        written: dict[str, Update] = {}
        while pending is not None and pending[0] <= date:
            if pending[0] == date:  # earlier dates: outside the range asked for
                written = {u.user_id: u for u in pending[1]}
            pending = next(by_date, None)
        if date in standup_dates:
            expected = {m.user_id for m in members if m.belongs_on(date)}
        else:
            expected = set()
        for user_id in sorted(expected | set(written)):
            member = people.get(user_id)
            away = absence_on(user_id, date, time_off.get(user_id, ())) is not None
            yield _row(date, user_id, member.name if member else "", written.get(user_id),
                       away)
        day += dt.timedelta(days=1)


def export_lines(
    store: Store, team: Team, fmt: str, *, since: str | None, until: str | None,
    now: dt.datetime,
) -> Iterator[str]:
    """The export of `team` in `fmt` (``csv`` or ``jsonl``), line by line, read from the
    store as it goes; `until` defaults to today in the team's zone. ValueError for a bad
    format or range, raised before anything is read or written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be {' or '.join(FORMATS)}, got {fmt!r}")
    last = local_today(team, now) if until is None else until
    check_range(since, last)
    members = store.list_members(team.name, include_former=True)
    users = {m.user_id for m in members}
    absences = [a for a in store.absences_from(since or "") if a.user_id in users]
    updates = store.iter_team_updates(team.name, since, last)
    rows = export_rows(team, members, updates, since=since, until=last, absences=absences)
    return csv_lines(rows, team) if fmt == "csv" else jsonl_lines(rows)


def _row(date: str, user_id: str, name: str, update: Update | None, away: bool) -> ExportRow:
    answers = {} if update is None else {a.question_id: a.text for a in update.answers}
    questions = {} if update is None else {a.question_id: a.question for a in update.answers}
    return ExportRow(date, user_id, name, day_state(update, away=away).value, answers,
                     questions,
                     "" if update is None else update.text,
                     None if update is None else update.first_posted_at,
                     None if update is None else update.updated_at)


def jsonl_lines(rows: Iterable[ExportRow]) -> Iterator[str]:
    """One JSON object per line (UTF-8 as is, newline-terminated)."""
    for row in rows:
        yield json.dumps(row.as_json(), ensure_ascii=False) + "\n"


def csv_lines(rows: Iterable[ExportRow], team: Team) -> Iterator[str]:
    """A header, then one CSV line per row: a column per question of the team (by id and
    label); answers to questions the team no longer asks go to ``other_answers``."""
    ids = [q.id for q in team.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line([*FIXED_COLUMNS, *(f"{q.id}: {q.label}" for q in team.questions),
                *TAIL_COLUMNS])
    for row in rows:
        other = "\n".join(f"{row.questions[q]}: {t}" for q, t in row.answers.items()
                          if q not in ids)
        yield line([row.date, row.user_id, _cell(row.name), row.state,
                    *(_cell(row.answers.get(q, "")) for q in ids), _cell(row.text),
                    _cell(other), _iso(row.first_posted_at), _iso(row.last_edited_at)])


def _cell(text: str) -> str:
    """What a person typed, made inert for spreadsheets: a cell starting with ``=``, ``+``,
    ``-``, ``@`` (or a tab or CR) is a formula to Excel and LibreOffice, so it gets a
    leading ``'`` (OWASP's advice on CSV injection). JSON lines keep the text as typed."""
    return f"'{text}" if text[:1] in _FORMULA_STARTS else text


def _iso(at: dt.datetime | None) -> str:
    return "" if at is None else at.astimezone(dt.UTC).isoformat()
