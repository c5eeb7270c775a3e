"""Firestore collections ``slack_installations`` and ``slack_oauth_states``: top-level
(global: not any workspace's data).

An installation is a document per (workspace, installer), id ``doc_id(key, user_id)``,
whose fields are the record's (tokens already encrypted by `Installations`) plus
``workspace`` (the key, for the one equality query). A state is a document named by the
state, consumed by a delete with an ``exists`` precondition: of two redirects carrying
the same state, Firestore lets one delete succeed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.api_core import exceptions as gexc

from marvin.store.firestore.client import FirestoreClient, utc
from marvin.store.installations import (
    InstallationRecord,
    installation_from_dict,
    installation_to_dict,
)

INSTALLATIONS = "slack_installations"
STATES = "slack_oauth_states"
PURGE_BATCH = 50  # expired states deleted per consumed one: more than are issued per install


class FirestoreInstallations(FirestoreClient):
    """`InstallationRows` on Firestore."""

    def save_installation(self, record: InstallationRecord) -> None:
        data: dict[str, Any] = installation_to_dict(record)
        data["installed_at"] = utc(record.installed_at)
        data["workspace"] = record.workspace_key
        with self._errors("save_installation"):
            self._doc(INSTALLATIONS, record.workspace_key, record.user_id).set(
                data, **self._write)

    def list_installations(self, key: str | None = None) -> list[InstallationRecord]:
        with self._errors("list_installations"):
            found = (self._query(INSTALLATIONS) if key is None
                     else self._query(INSTALLATIONS, workspace=key))
        return [_record(d) for d in found]

    def delete_installations(self, key: str, user_id: str | None = None) -> int:
        records = [r for r in self.list_installations(key)
                   if user_id is None or r.user_id == user_id]
        with self._errors("delete_installations"):
            for record in records:
                self._doc(INSTALLATIONS, key, record.user_id).delete(**self._write)
        return len(records)

    def issue_state(self, state: str, expires_at: dt.datetime) -> None:
        with self._errors("issue_state"):
            self._doc(STATES, state).set({"expires_at": utc(expires_at)}, **self._write)

    def consume_state(self, state: str, now: dt.datetime) -> bool:
        ref = self._doc(STATES, state)
        with self._errors("consume_state"):
            snap = ref.get(**self._read)
            if not snap.exists:
                return False
            try:
                ref.delete(option=self._client.write_option(exists=True), **self._write)
            except gexc.NotFound:  # consumed by another request in between
                return False
            self._purge_expired_states(now)
        return bool(utc(snap.to_dict()["expires_at"]) > now)

    def _purge_expired_states(self, now: dt.datetime) -> None:
        """Delete a batch of states nobody came back with (an install page opened and
        left), so anonymous visits to /slack/install do not pile up documents."""
        stale = self._collection(STATES).where("expires_at", "<=", utc(now)).limit(
            PURGE_BATCH)
        for snap in self._stream(stale, self._read):
            self._document(snap.reference).delete(**self._write)


def _record(data: dict[str, Any]) -> InstallationRecord:
    data = {**data, "installed_at": utc(data["installed_at"])}
    data.pop("workspace", None)
    return installation_from_dict(data)
