"""Slack installations and OAuth states as Marvin keeps them, tokens encrypted.

Example::

    installations = Installations(rows, TokenCipher(key))
    installations.save(InstallationRecord(team_id="T0A", bot_token="xoxb-...", ...))
    installations.workspaces()                 # [Workspace("T0A")]
    installations.bot_token(Workspace("T0A"))  # "xoxb-..." (decrypted)

Both kinds of record live outside any workspace's data (they say which workspaces there
are), so they are global on every backend. `InstallationRows` is what a backend keeps:
the records with their tokens already encrypted; `Installations` is the only place
that encrypts or decrypts, and implements `InstalledWorkspaces` over them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from typing import Protocol

from marvin.domain.workspace import Workspace
from marvin.store.installed import InstalledWorkspaces
from marvin.store.token_cipher import TokenCipher

STATE_LIFETIME = dt.timedelta(minutes=10)
"""How long an OAuth state (the "Add to Slack" link's) may wait for Slack's redirect."""

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
"""The fields that hold secrets: encrypted in every stored record."""


@dataclass(frozen=True)
class InstallationRecord:
    """One installation of Marvin, by one installer, into a workspace (or a Grid org).

    Token fields hold the token itself in the hands of `Installations`' callers and its
    ciphertext in a backend's. "" means absent (Slack gave none, or it was deleted)."""

    team_id: str | None
    enterprise_id: str | None
    is_enterprise_install: bool
    installed_at: dt.datetime
    user_id: str = ""  # who installed it
    team_name: str = ""
    enterprise_name: str = ""
    enterprise_url: str = ""
    app_id: str = ""
    bot_token: str = ""
    bot_id: str = ""
    bot_user_id: str = ""
    bot_scopes: str = ""
    bot_refresh_token: str = ""
    bot_token_expires_at: int | None = None  # epoch seconds, token rotation only
    user_token: str = ""
    user_scopes: str = ""
    user_refresh_token: str = ""
    user_token_expires_at: int | None = None
    token_type: str = ""

    @property
    def workspace_key(self) -> str:
        return workspace_key(self.enterprise_id, self.team_id, self.is_enterprise_install)

    @property
    def workspace(self) -> Workspace:
        team = None if self.is_enterprise_install else self.team_id
        return Workspace(team, self.enterprise_id)


def workspace_key(enterprise_id: str | None, team_id: str | None,
                  is_enterprise_install: bool = False) -> str:
    """The key an installation is kept under: the team id, or the enterprise id for an
    org-wide install (its team id is whichever workspace the installer stood in)."""
    if is_enterprise_install or not team_id:
        return enterprise_id or ""
    return team_id


def installation_to_dict(record: InstallationRecord) -> dict[str, object]:
    """The record's fields by name (the stored layout on every backend)."""
    return {f.name: getattr(record, f.name) for f in fields(InstallationRecord)}


def installation_from_dict(data: dict[str, object]) -> InstallationRecord:
    """A record from stored fields; a field missing from older data reads as its default."""
    names = {f.name for f in fields(InstallationRecord)}
    return InstallationRecord(**{k: v for k, v in data.items() if k in names})  # type: ignore[arg-type]


class InstallationRows(Protocol):
    """What a backend keeps: installation records (tokens encrypted) and OAuth states."""

    def save_installation(self, record: InstallationRecord) -> None:
        """Insert or replace the record of (workspace, installer)."""
        ...

    def list_installations(self, key: str | None = None) -> list[InstallationRecord]:
        """Every record, or only workspace `key`'s; in no particular order."""
        ...

    def delete_installations(self, key: str, user_id: str | None = None) -> int:
        """Delete workspace `key`'s records (only `user_id`'s, when given); how many."""
        ...

    def issue_state(self, state: str, expires_at: dt.datetime) -> None:
        """Keep an OAuth state until it is consumed or `expires_at`."""
        ...

    def consume_state(self, state: str, now: dt.datetime) -> bool:
        """Delete the state; True when it existed and had not expired. Atomic: of two
        callers with the same state, one at most gets True."""
        ...

    def close(self) -> None:
        ...


class Installations:
    """The installations, tokens encrypted on the way in and decrypted on the way out;
    `InstalledWorkspaces` for the runtime. Thread-safe when the rows are."""

    def __init__(self, rows: InstallationRows, cipher: TokenCipher) -> None:
        self.rows = rows
        self._cipher = cipher

    def save(self, record: InstallationRecord) -> None:
        self.rows.save_installation(self._sealed(record, self._cipher.encrypt))

    def latest(self, enterprise_id: str | None, team_id: str | None, *,
               is_enterprise_install: bool = False,
               user_id: str | None = None) -> InstallationRecord | None:
        """The workspace's newest installation (by `user_id`, when given), decrypted."""
        key = workspace_key(enterprise_id, team_id, is_enterprise_install)
        found = [r for r in self.rows.list_installations(key)
                 if user_id is None or r.user_id == user_id]
        if not found:
            return None
        return self._sealed(max(found, key=lambda r: r.installed_at), self._cipher.decrypt)

    def latest_bot(self, enterprise_id: str | None, team_id: str | None, *,
                   is_enterprise_install: bool = False) -> InstallationRecord | None:
        """The newest installation of the workspace that still has a bot token."""
        key = workspace_key(enterprise_id, team_id, is_enterprise_install)
        with_bot = [r for r in self.rows.list_installations(key) if r.bot_token]
        if not with_bot:
            return None
        return self._sealed(max(with_bot, key=lambda r: r.installed_at), self._cipher.decrypt)

    def delete(self, enterprise_id: str | None, team_id: str | None,
               user_id: str | None = None) -> int:
        return self.rows.delete_installations(workspace_key(enterprise_id, team_id), user_id)

    def delete_bot(self, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget the workspace's bot token (its installers' user tokens stay)."""
        for record in self.rows.list_installations(workspace_key(enterprise_id, team_id)):
            if record.bot_token:
                self.rows.save_installation(replace(
                    record, bot_token="", bot_refresh_token="", bot_token_expires_at=None))

    def close(self) -> None:
        self.rows.close()

    def rotate_key(self) -> int:
        """Encrypt every stored token again with the current key; how many records."""
        rewritten = 0
        for record in self.rows.list_installations():
            self.rows.save_installation(self._sealed(record, self._cipher.rotate))
            rewritten += 1
        return rewritten

    # -- InstalledWorkspaces ------------------------------------------------------------

    def workspaces(self) -> list[Workspace]:
        """Every workspace with a bot token, oldest first installation first."""
        first: dict[str, tuple[dt.datetime, Workspace]] = {}
        with_bot: set[str] = set()
        for record in self.rows.list_installations():
            key = record.workspace_key
            if key not in first or record.installed_at < first[key][0]:
                first[key] = (record.installed_at, record.workspace)
            if record.bot_token:
                with_bot.add(key)
        ordered = sorted((first[key] for key in with_bot), key=lambda pair: pair[0])
        return [workspace for _, workspace in ordered]

    def bot_tokens(self) -> dict[str, str]:
        """Every workspace's bot token (its newest installation's that has one) by
        workspace key, in one read: what the installation sync compares each minute."""
        newest: dict[str, InstallationRecord] = {}
        for record in self.rows.list_installations():
            key = record.workspace_key
            if record.bot_token and (key not in newest
                                     or record.installed_at > newest[key].installed_at):
                newest[key] = record
        return {key: self._cipher.decrypt(record.bot_token) for key, record in newest.items()}

    def bot_token(self, workspace: Workspace) -> str | None:
        record = self.latest_bot(workspace.enterprise_id, workspace.team_id,
                                 is_enterprise_install=workspace.team_id is None)
        return record.bot_token if record is not None else None

    # -- OAuth states -------------------------------------------------------------------

    def issue_state(self, state: str, now: dt.datetime) -> None:
        self.rows.issue_state(state, now + STATE_LIFETIME)

    def consume_state(self, state: str, now: dt.datetime) -> bool:
        return bool(state) and self.rows.consume_state(state, now)

    @staticmethod
    def _sealed(record: InstallationRecord, change: object) -> InstallationRecord:
        """`record` with `change` (encrypt, decrypt, rotate) applied to each token."""
        assert callable(change)
        return replace(record, **{name: change(value) for name in TOKEN_FIELDS
                                  if (value := getattr(record, name))})


def _implements_the_seam(installations: Installations) -> InstalledWorkspaces:
    return installations  # mypy checks that `Installations` is an `InstalledWorkspaces`
