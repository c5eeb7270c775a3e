"""Bolt's `InstallationStore` and `OAuthStateStore` over Marvin's `Installations`.

Bolt's OAuth flow saves what ``oauth.v2.access`` returned here, its authorization finds
each request's bot token here, and its built-in ``app_uninstalled`` / ``tokens_revoked``
listeners delete here. What is kept, and how tokens are encrypted, is the store layer's
(`marvin.store.installations`); this module only translates slack_sdk's models.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable
from typing import Any

from slack_bolt.error import BoltError
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from marvin.store.base import StoreError
from marvin.store.installations import InstallationRecord, Installations

log = logging.getLogger("marvin.slack.oauth")

Now = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MarvinInstallationStore(InstallationStore):
    """slack_sdk's installation store on `Installations` (SQLite or Firestore)."""

    def __init__(self, installations: Installations) -> None:
        self._installations = installations

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        try:
            self._installations.save(record_of(installation))
        except StoreError as exc:  # Bolt answers its "storage_error" page, not a 500
            raise BoltError(f"the installation could not be stored: {exc}") from exc

    def save_bot(self, bot: Bot) -> None:
        """Bolt calls this only when refreshing rotated tokens (rotation is off in the
        manifest); kept as a whole installation so nothing is lost."""
        self.save(Installation(
            app_id=bot.app_id, enterprise_id=bot.enterprise_id, team_id=bot.team_id,
            enterprise_name=bot.enterprise_name, team_name=bot.team_name,
            bot_token=bot.bot_token, bot_id=bot.bot_id, bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes, bot_refresh_token=bot.bot_refresh_token,
            bot_token_expires_at=bot.bot_token_expires_at, user_id="",
            is_enterprise_install=bot.is_enterprise_install, installed_at=bot.installed_at))

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        record = self._installations.latest_bot(
            enterprise_id, team_id, is_enterprise_install=bool(is_enterprise_install))
        return None if record is None else installation_of(record).to_bot()

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                          user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        record = self._installations.latest(
            enterprise_id, team_id, is_enterprise_install=bool(is_enterprise_install),
            user_id=user_id)
        return None if record is None else installation_of(record)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._installations.delete_bot(enterprise_id, team_id)
        log.info("bot token deleted for workspace %s", team_id or enterprise_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        deleted = self._installations.delete(enterprise_id, team_id, user_id)
        log.info("%d installation(s) deleted for workspace %s", deleted,
                 team_id or enterprise_id)


class MarvinOAuthStateStore(OAuthStateStore):
    """OAuth states (the "Add to Slack" link's ``state``), each valid once, for 10 minutes."""

    def __init__(self, installations: Installations, now: Now = _utc_now) -> None:
        self._installations = installations
        self._now = now

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self._installations.issue_state(state, self._now())
        return state

    def consume(self, state: str) -> bool:
        """Whether `state` was issued here, is unexpired and unused (now used). A store
        that cannot tell raises `StoreError`: the page then says "try again", not that
        the link expired."""
        return self._installations.consume_state(state, self._now())


def record_of(installation: Installation) -> InstallationRecord:
    """slack_sdk's `Installation` as Marvin keeps it."""
    i = installation
    return InstallationRecord(
        team_id=i.team_id, enterprise_id=i.enterprise_id,
        is_enterprise_install=bool(i.is_enterprise_install),
        installed_at=dt.datetime.fromtimestamp(float(i.installed_at), dt.UTC),
        user_id=i.user_id or "", team_name=i.team_name or "",
        enterprise_name=i.enterprise_name or "", enterprise_url=i.enterprise_url or "",
        app_id=i.app_id or "", bot_token=i.bot_token or "", bot_id=i.bot_id or "",
        bot_user_id=i.bot_user_id or "", bot_scopes=",".join(i.bot_scopes or []),
        bot_refresh_token=i.bot_refresh_token or "",
        bot_token_expires_at=i.bot_token_expires_at, user_token=i.user_token or "",
        user_scopes=",".join(i.user_scopes or []),
        user_refresh_token=i.user_refresh_token or "",
        user_token_expires_at=i.user_token_expires_at, token_type=i.token_type or "")


def installation_of(record: InstallationRecord) -> Installation:
    """A kept record as slack_sdk's `Installation` (absent values as None)."""
    r = record
    return Installation(
        app_id=r.app_id or None, enterprise_id=r.enterprise_id,
        enterprise_name=r.enterprise_name or None, enterprise_url=r.enterprise_url or None,
        team_id=r.team_id, team_name=r.team_name or None, bot_token=r.bot_token or None,
        bot_id=r.bot_id or None, bot_user_id=r.bot_user_id or None, bot_scopes=r.bot_scopes,
        bot_refresh_token=r.bot_refresh_token or None,
        bot_token_expires_at=r.bot_token_expires_at, user_id=r.user_id,
        user_token=r.user_token or None, user_scopes=r.user_scopes,
        user_refresh_token=r.user_refresh_token or None,
        user_token_expires_at=r.user_token_expires_at,
        is_enterprise_install=r.is_enterprise_install, token_type=r.token_type or None,
        installed_at=r.installed_at.timestamp())
