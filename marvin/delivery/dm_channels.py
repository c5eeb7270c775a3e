"""The app's DM channel with each member: kept in the store as Slack last answered a DM.

A DM is posted to the member's user id, and Slack answers with the DM's channel id
(``D...``). Reading that DM's history (after a crash, or a post that timed out) needs the
id, so it is kept per member (`MemberPrefs.dm_channel`); without it, ``conversations.open``
finds it once and it is kept from then on. The store is only a cache here: a failure to
read or write it never fails a send, it costs a ``conversations.open`` at most.

Example:
    >>> dms = DmChannels(store, chat)  # doctest: +SKIP
    >>> dms.remember("U123", "DU123")  # after a DM Slack answered with DU123
    >>> dms.channel("U123")            # no Slack call
    'DU123'
"""

from __future__ import annotations

import logging

from marvin.slack.protocol import ChatAPI
from marvin.store.base import Store, StoreError

__all__ = ["DmChannels"]

log = logging.getLogger("marvin.delivery")


class DmChannels:
    """The DM channel ids of members, from the store, else from ``conversations.open``."""

    def __init__(self, store: Store, chat: ChatAPI) -> None:
        self._store, self._chat = store, chat

    def channel(self, user_id: str) -> str:
        """The id of the app's DM with `user_id`: kept, or opened (and then kept).

        Raises:
            SlackError: no id is kept and ``conversations.open`` failed.
        """
        kept = self._kept(user_id)
        if kept is not None:
            return kept
        channel = self._chat.open_dm(user_id)
        self._save(user_id, channel)
        return channel

    def remember(self, user_id: str, channel: str) -> None:
        """Keep `channel` as `user_id`'s DM, unless it is kept already (no write then)."""
        if self._kept(user_id) != channel:
            self._save(user_id, channel)

    def _kept(self, user_id: str) -> str | None:
        try:
            prefs = self._store.get_member_prefs(user_id)
        except StoreError as exc:
            log.warning("could not read the DM channel kept for %s: %s", user_id, exc)
            return None
        return prefs.dm_channel if prefs is not None else None

    def _save(self, user_id: str, channel: str) -> None:
        try:
            self._store.save_dm_channel(user_id, channel)
        except StoreError as exc:  # the DM is out all the same; the next one keeps it
            log.warning("could not keep the DM channel of %s: %s", user_id, exc)
