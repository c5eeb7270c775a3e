"""The SQLite table ``day_summaries``: one row per (team, date) with the date's
`DaySummary` as JSON and a ``generation`` that every write to one of the date's updates,
or to a member's time off over it, bumps (clearing the summary), in the same transaction
as that write.

A summary computed from updates read earlier is saved only if the generation it was
read at is still the stored one, so a late edit is never hidden by a summary computed
before it (`save_day_summary` is a compare-and-set).
"""

from __future__ import annotations

import json
import sqlite3

from marvin.domain.day_summary import (
    DaySummary,
    StoredSummary,
    dates_between,
    summary_from_dict,
    summary_to_dict,
)
from marvin.store.sqlite.connection import SqliteDatabase

_STALE = (
    "INSERT INTO day_summaries (team, date, generation, data) VALUES (?, ?, 1, NULL) "
    "ON CONFLICT (team, date) DO UPDATE SET generation = generation + 1, data = NULL"
)


def mark_stale(db: sqlite3.Connection, team: str, date: str) -> None:
    """Inside an update write's transaction: the date's summary no longer holds."""
    db.execute(_STALE, (team, date))


def mark_time_off_stale(db: sqlite3.Connection, user_id: str, first: str, last: str) -> None:
    """Inside a time-off write's transaction: the summaries of the member's team from
    `first` to `last` no longer hold. Every date gets a row, so a summary being computed
    from what was read before cannot be stored after (its compare-and-set fails)."""
    row = db.execute("SELECT team FROM members WHERE user_id = ?", (user_id,)).fetchone()
    if row is not None:  # not a member of any team: no summary counts them
        db.executemany(_STALE, [(row[0], d) for d in dates_between(first, last)])


class DaySummaryRows(SqliteDatabase):
    """The `Store` methods for day summaries."""

    def list_day_summaries(self, team: str, since: str, until: str) -> list[StoredSummary]:
        """One range scan of the primary key (team, date), sorted by date."""
        rows = self._read(
            "list_day_summaries",
            "SELECT date, generation, data FROM day_summaries WHERE team = ? AND date >= ? "
            "AND date <= ? ORDER BY date", team, since, until)
        return [StoredSummary(str(date), None if data is None else
                              summary_from_dict(team, str(date), json.loads(str(data))),
                              str(generation))
                for date, generation, data in rows]

    def save_day_summary(self, summary: DaySummary, version: str | None) -> bool:
        """Store `summary` if its date's record is still at `version` (None: no record);
        False when an update write came in between (nothing written)."""
        data = json.dumps(summary_to_dict(summary), separators=(",", ":"))
        with self._transaction("save_day_summary") as db:
            if version is None:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO day_summaries (team, date, generation, data) "
                    "VALUES (?, ?, 0, ?)", (summary.team, summary.date, data))
            else:
                cursor = db.execute(
                    "UPDATE day_summaries SET data = ? WHERE team = ? AND date = ? "
                    "AND generation = ?", (data, summary.team, summary.date, int(version)))
            return cursor.rowcount == 1
