"""The SQLite table ``member_prefs``: a member's Slack zone, nudge choice and DM channel.

Each write is an upsert of its own columns only, so a zone refresh never undoes a
`/standup nudges off` written at the same moment, nor the other way round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from marvin.domain.models import MemberPrefs
from marvin.store.sqlite.connection import SqliteDatabase

_COLUMNS = "user_id, tz, tz_fetched_at, nudges, dm_channel"


class MemberPrefsRows(SqliteDatabase):
    """The `Store` methods for member preferences."""

    def _write(self, op: str, sql: str, *params: object) -> int:
        """One statement in autocommit mode; returns the number of rows it changed."""
        with self._errors(op):
            return int(self._conn.execute(sql, params).rowcount)

    def get_member_prefs(self, user_id: str) -> MemberPrefs | None:
        """What is kept about `user_id`, if anything."""
        rows = self._read("get_member_prefs",
                          f"SELECT {_COLUMNS} FROM member_prefs WHERE user_id = ?", user_id)
        return _prefs(rows[0]) if rows else None

    def list_member_prefs(self, user_ids: Sequence[str]) -> list[MemberPrefs]:
        """What is kept about each of `user_ids` that has anything kept, in their order."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        rows = self._read("list_member_prefs",
                          f"SELECT {_COLUMNS} FROM member_prefs WHERE user_id IN ({marks})",
                          *wanted)
        found = {prefs.user_id: prefs for prefs in map(_prefs, rows)}
        return [found[user_id] for user_id in wanted if user_id in found]

    def save_member_zone(self, user_id: str, tz: str | None, fetched_at: dt.datetime) -> None:
        """Keep the zone Slack gave for `user_id` (None: none), fetched at `fetched_at`."""
        if fetched_at.tzinfo is None:
            raise ValueError(f"fetched_at must be time-zone aware, got {fetched_at!r}")
        self._write("save_member_zone",
                    "INSERT INTO member_prefs (user_id, tz, tz_fetched_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET tz = excluded.tz, "
                    "tz_fetched_at = excluded.tz_fetched_at",
                    user_id, tz, fetched_at.astimezone(dt.UTC).isoformat())

    def set_nudges(self, user_id: str, on: bool) -> None:
        """Whether `user_id` gets nudges."""
        self._write("set_nudges",
                    "INSERT INTO member_prefs (user_id, nudges) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET nudges = excluded.nudges",
                    user_id, int(on))

    def save_dm_channel(self, user_id: str, channel_id: str) -> None:
        """Keep the id of the app's DM with `user_id`."""
        self._write("save_dm_channel",
                    "INSERT INTO member_prefs (user_id, dm_channel) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET dm_channel = excluded.dm_channel",
                    user_id, channel_id)


def _prefs(row: tuple[object, ...]) -> MemberPrefs:
    user_id, tz, fetched_at, nudges, dm_channel = row
    return MemberPrefs(str(user_id), None if tz is None else str(tz),
                       dt.datetime.fromisoformat(str(fetched_at)) if fetched_at else None,
                       bool(nudges), str(dm_channel) if dm_channel else None)
