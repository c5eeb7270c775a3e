"""`Event`: something that happened (to a member, an update, in Slack) that a flow may act on.

An event's `type` is ``<system>.<what>`` (``slack.account_inactive``,
``standup.blocker_reported``), the same spelling as the run history's events
(``slack.chat.postMessage``), so one name finds both. Its `id` says which occurrence it
is: an automation runs at most once per (rule, event id), so two events that mean the
same thing (a blocker saved, then edited) carry the same id on purpose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

ACCOUNT_INACTIVE = "slack.account_inactive"
"""Slack refused to reach a member (deactivated, deleted, a bot) or said they were deleted."""
ACCOUNT_ACTIVE = "slack.account_active"
"""A member Marvin knew as inactive is back (``user_change`` with ``deleted`` false)."""
USER_CHANGE = "slack.user_change"
TEAM_JOIN = "slack.team_join"
MEMBER_JOINED = "standup.member_joined"
"""Someone became a member of a team (first `/standup`, `/standup join`)."""
BLOCKER_REPORTED = "standup.blocker_reported"
"""An update was saved with a non-empty answer to a blockers question."""

GONE_ERRORS = frozenset({"account_inactive", "user_not_found", "cannot_dm_bot", "user_disabled"})
"""Slack's answers that mean a member cannot be reached, however often Marvin tries."""


@dataclass(frozen=True)
class Event:
    """One event: its type, which occurrence (`id`), the team and the user it is about."""

    type: str
    id: str
    team: str
    subject: str  # a Slack user id
    at: dt.datetime
    data: dict[str, str] = field(default_factory=dict)

    @property
    def system(self) -> str:
        return self.type.partition(".")[0]

    @property
    def name(self) -> str:
        """The type without its system: ``account_inactive``."""
        return self.type.partition(".")[2]

    def as_parameters(self) -> dict[str, object]:
        """The parameters of a run it triggers: what the run's record names it by."""
        return {"team": self.team, "user": self.subject, "event": self.type,
                "event_id": self.id, **{f"event_{k}": v for k, v in self.data.items()}}


def member_joined(team: str, user_id: str, at: dt.datetime) -> Event:
    """Once per joining: a member who leaves and joins again is a new occurrence."""
    return Event(MEMBER_JOINED, f"{team}/{user_id}/{at.isoformat()}", team, user_id, at)


def blocker_reported(team: str, date: str, user_id: str, at: dt.datetime) -> Event:
    """Once per member and standup date, however often the update is edited."""
    return Event(BLOCKER_REPORTED, f"{team}/{date}/{user_id}", team, user_id, at,
                 {"date": date})


def trigger_of(parameters: Mapping[str, object]) -> str:
    """What started a run, from its recorded parameters: ``<event type> <event id>`` for an
    automation, "" for a run started on schedule or by hand."""
    event, event_id = parameters.get("event"), parameters.get("event_id")
    if not isinstance(event, str) or not event:
        return ""
    return f"{event} {event_id}" if isinstance(event_id, str) and event_id else event
