"""What Slack's user events mean for Marvin's members, as events for the automations.

``user_change`` carries the user as ``users.info`` describes them: ``deleted: true`` for a
member Marvin still reminds publishes ``slack.account_inactive`` (the `member_inactive`
automation marks them and tells the admins once); ``deleted: false`` for a member Marvin
marked inactive publishes ``slack.account_active`` (the `member_active` automation). Any
other change (a new status, a new time zone) is not about reachability and publishes
nothing here. ``team_join`` publishes ``slack.team_join`` (no rule acts on it yet).
Each event's id is Slack's own ``event_id``, so a retried delivery starts nothing twice.
SDK-free: the Slack listener passes the event and its envelope's id.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marvin.domain.events import ACCOUNT_ACTIVE, ACCOUNT_INACTIVE, TEAM_JOIN, Event
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.standup import is_user_id
from marvin.history.events import publish
from marvin.store.base import Store

DELETED = "deleted"  # the reason kept for a member Slack says was deactivated


def user_changed(store: Store, user: Any, event_id: str, at: dt.datetime) -> Event | None:
    """Publish what a ``user_change`` says about a member's reachability; the event (None:
    nothing to say, or not a user Marvin can read)."""
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return None
    user_id = user["id"]
    if not is_user_id(user_id) or not isinstance(user.get("deleted"), bool):
        return None  # what cannot be read proves nothing
    member = store.get_member(user_id)
    if member is None:
        return None
    if user["deleted"] and member.is_active:
        event = Event(ACCOUNT_INACTIVE, event_id, member.team, user_id, at, {"reason": DELETED})
    elif not user["deleted"] and not member.is_active:
        event = Event(ACCOUNT_ACTIVE, event_id, member.team, user_id, at)
    else:
        return None
    publish(event)
    return event


def team_joined(user: Any, event_id: str, at: dt.datetime) -> Event | None:
    """Publish ``slack.team_join`` for a readable user; the event."""
    if not isinstance(user, dict) or not is_user_id(str(user.get("id", ""))):
        return None
    event = Event(TEAM_JOIN, event_id, DEFAULT_TEAM, str(user["id"]), at)
    publish(event)
    return event
