"""The SQLite tables ``slack_installations`` and ``slack_oauth_states`` (global: not any
workspace's data), in the store's file on a connection of their own.

An installation is a row per (workspace, installer): the key columns, and the record's
fields as JSON in ``record`` (tokens in it already encrypted by `Installations`), so a
field added later reads as its default from older rows without a migration.
"""

from __future__ import annotations

import datetime as dt
import json

from marvin.store.installations import (
    InstallationRecord,
    installation_from_dict,
    installation_to_dict,
)
from marvin.store.sqlite.connection import SqliteDatabase

_TABLES = """
CREATE TABLE IF NOT EXISTS slack_installations (
    workspace_key TEXT NOT NULL,
    user_id TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (workspace_key, user_id)
);
CREATE TABLE IF NOT EXISTS slack_oauth_states (
    state TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
"""


class SqliteInstallations(SqliteDatabase):
    """`InstallationRows` on SQLite."""

    _label = "SQLite installations"

    def _setup(self) -> None:
        with self._errors("setup"):
            self._conn.executescript(_TABLES)

    def save_installation(self, record: InstallationRecord) -> None:
        data = installation_to_dict(record)
        data["installed_at"] = record.installed_at.astimezone(dt.UTC).isoformat()
        with self._transaction("save_installation") as conn:
            conn.execute(
                "INSERT INTO slack_installations (workspace_key, user_id, installed_at, record) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (workspace_key, user_id) DO UPDATE SET "
                "installed_at = excluded.installed_at, record = excluded.record",
                (record.workspace_key, record.user_id, data["installed_at"], json.dumps(data)))

    def list_installations(self, key: str | None = None) -> list[InstallationRecord]:
        if key is None:
            rows = self._read("list_installations", "SELECT record FROM slack_installations")
        else:
            rows = self._read("list_installations",
                              "SELECT record FROM slack_installations WHERE workspace_key = ?",
                              key)
        return [_record(json.loads(row[0])) for row in rows]

    def delete_installations(self, key: str, user_id: str | None = None) -> int:
        with self._transaction("delete_installations") as conn:
            if user_id is None:
                cursor = conn.execute(
                    "DELETE FROM slack_installations WHERE workspace_key = ?", (key,))
            else:
                cursor = conn.execute(
                    "DELETE FROM slack_installations WHERE workspace_key = ? AND user_id = ?",
                    (key, user_id))
            return int(cursor.rowcount)

    def issue_state(self, state: str, expires_at: dt.datetime) -> None:
        with self._transaction("issue_state") as conn:
            conn.execute("INSERT OR REPLACE INTO slack_oauth_states VALUES (?, ?)",
                         (state, expires_at.astimezone(dt.UTC).isoformat()))

    def consume_state(self, state: str, now: dt.datetime) -> bool:
        with self._transaction("consume_state") as conn:
            found = conn.execute("SELECT expires_at FROM slack_oauth_states WHERE state = ?",
                                 (state,)).fetchone()
            if found is None:
                return False
            conn.execute("DELETE FROM slack_oauth_states WHERE state = ?", (state,))
            # expired states are deleted too, and whenever one is consumed, the stale rest
            conn.execute("DELETE FROM slack_oauth_states WHERE expires_at <= ?",
                         (now.astimezone(dt.UTC).isoformat(),))
            return dt.datetime.fromisoformat(found[0]) > now


def _record(data: dict[str, object]) -> InstallationRecord:
    data["installed_at"] = dt.datetime.fromisoformat(str(data["installed_at"]))
    return installation_from_dict(data)
