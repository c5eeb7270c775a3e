"""Firestore documents ``member_prefs/{user_id}``: a member's Slack zone, nudge choice and
the app's DM channel with them.

Fields ``user_id``, ``tz`` (null: Slack gave none), ``tz_fetched_at``, ``nudges`` and
``dm_channel``; each
write sets only its own fields (``merge=True``), so a zone refresh never undoes a
`/standup nudges off` written at the same moment, nor the other way round. A document
missing a field reads as its default (zone unknown, nudges on, DM channel not known).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from marvin.domain.models import MemberPrefs
from marvin.store.firestore.client import FirestoreClient, utc

COLLECTION = "member_prefs"


def prefs_from_doc(user_id: str, d: dict[str, Any]) -> MemberPrefs:
    fetched = d.get("tz_fetched_at")
    return MemberPrefs(user_id=user_id, tz=d.get("tz"),
                       tz_fetched_at=utc(fetched) if fetched else None,
                       nudges=d.get("nudges") is not False,
                       dm_channel=d.get("dm_channel") or None)


class MemberPrefsDocuments(FirestoreClient):
    """The `Store` methods for member preferences."""

    def get_member_prefs(self, user_id: str) -> MemberPrefs | None:
        """What is kept about `user_id`, if anything."""
        with self._errors("get_member_prefs"):
            snap = self._doc(COLLECTION, user_id).get(**self._read)
        return prefs_from_doc(user_id, snap.to_dict()) if snap.exists else None

    def list_member_prefs(self, user_ids: Sequence[str]) -> list[MemberPrefs]:
        """What is kept about each of `user_ids` that has anything kept, in their order.

        One read per user: a team is tens of people, and a query over every user's
        preferences would grow with the whole workspace."""
        found = []
        for user_id in dict.fromkeys(user_ids):
            prefs = self.get_member_prefs(user_id)
            if prefs is not None:
                found.append(prefs)
        return found

    def save_member_zone(self, user_id: str, tz: str | None, fetched_at: dt.datetime) -> None:
        """Keep the zone Slack gave for `user_id` (None: none), fetched at `fetched_at`."""
        data = {"user_id": user_id, "tz": tz, "tz_fetched_at": utc(fetched_at)}
        with self._errors("save_member_zone"):
            self._doc(COLLECTION, user_id).set(data, merge=True, **self._write)

    def set_nudges(self, user_id: str, on: bool) -> None:
        """Whether `user_id` gets nudges."""
        with self._errors("set_nudges"):
            self._doc(COLLECTION, user_id).set({"user_id": user_id, "nudges": on}, merge=True,
                                                **self._write)

    def save_dm_channel(self, user_id: str, channel_id: str) -> None:
        """Keep the id of the app's DM with `user_id`."""
        with self._errors("save_dm_channel"):
            self._doc(COLLECTION, user_id).set({"user_id": user_id, "dm_channel": channel_id},
                                                merge=True, **self._write)
