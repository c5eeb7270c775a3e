"""Which team a name means: the stored one, or the default team that MARVIN_* settings
describe when nothing is stored under `default`."""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import DEFAULT_TEAM, Team
from marvin.domain.standup import active_standup_date, parse_days
from marvin.settings import Settings
from marvin.store.base import Store


class UnknownTeamError(LookupError):
    """A team name that is neither stored nor the settings' default."""


def default_team(settings: Settings) -> Team:
    """The team Marvin runs with no configuration beyond MARVIN_* settings."""
    return Team(
        name=DEFAULT_TEAM,
        timezone=settings.timezone,
        standup_time=settings.standup_time,
        reminder_time=settings.reminder_time,
        days=parse_days(settings.standup_days),
        channel=settings.standup_channel,
        reminder_zone=settings.reminder_zone,
        nudge_before=settings.nudge_before,
    )


def resolve_team(store: Store, settings: Settings, name: str) -> Team:
    """The stored team called `name`, or the settings' default team for `default`.

    Raises:
        UnknownTeamError: `name` is neither stored nor the default.
    """
    team = store.get_team(name)
    if team is not None:
        return team
    if name == DEFAULT_TEAM:
        return default_team(settings)
    raise UnknownTeamError(f"no team named {name!r}; create it with `marvin team set {name} ...`")


def membership_date(store: Store, settings: Settings, team: str, now: dt.datetime) -> str:
    """The first standup a member added to (or removed from) `team` at `now` is (or is no
    longer) part of: the team's active standup date. Someone added after today's standup
    was never missing from it; someone leaving after it was part of it.

    Raises:
        UnknownTeamError: `team` is neither stored nor the default.
    """
    return active_standup_date(resolve_team(store, settings, team), now)
