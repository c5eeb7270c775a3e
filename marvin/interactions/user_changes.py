"""What a Slack ``user_change`` or ``team_join`` event changes in Marvin: the member's
kept time zone.

Slack sends the whole user object when a profile changes (a new time zone when someone
travels, among others) and when someone joins the workspace. A member's zone is kept at
once, so a team that reminds each member in their own zone follows them without waiting
for the daily refresh; people who are not members are not kept at all (a first
`/standup` asks Slack for theirs: the `learn_member_zone` automation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marvin.domain.standup import is_user_id
from marvin.store.base import Store


def on_user_change(store: Store, user: object, now: dt.datetime) -> bool:
    """Keep a member's zone from the event's user object; True when one was kept."""
    if not isinstance(user, dict):
        return False
    user_id = user.get("id")
    if not isinstance(user_id, str) or not is_user_id(user_id):
        return False
    if store.get_member(user_id) is None:
        return False
    store.save_member_zone(user_id, _zone(user), now)
    return True


def _zone(user: dict[str, Any]) -> str | None:
    zone = user.get("tz")
    return zone if isinstance(zone, str) and zone else None
