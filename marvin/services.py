"""The services a flow's tasks use (store, Slack, clock), handed over by context.

Example::

    with use_services(Services(store=store, chat=chat, settings=settings)):
        reminder_flow.run(parameters={"team": "default"})

    # inside a task
    services().store.list_updates(team, date)

Like Prefect's Secrets, tasks ask for what they need at run time instead of taking it
as inputs, so the flows read like the plain positive code and the runs' recorded
parameters stay plain values. The composition root (`marvin.cli`) builds one Services;
tests build one with fakes and a fixed clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from marvin.models import DEFAULT_TEAM, Team
from marvin.settings import Settings
from marvin.slack.protocol import ChatAPI
from marvin.standup import active_standup_date, parse_days
from marvin.store.base import Store


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Services:
    """What the flows need from the outside world for one run."""

    store: Store
    chat: ChatAPI
    settings: Settings
    now: Callable[[], dt.datetime] = field(default=utc_now)
    dry_run: bool = False

    def team(self, name: str) -> Team:
        """The stored team, or for `default` the one described by the MARVIN_* settings."""
        return resolve_team(self.store, self.settings, name)


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
    )


def resolve_team(store: Store, settings: Settings, name: str) -> Team:
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


_current: ContextVar[Services | None] = ContextVar("marvin_services", default=None)


def services() -> Services:
    """The services of the run in progress."""
    current = _current.get()
    if current is None:
        raise RuntimeError(
            "no Marvin services are set: run flows through `marvin run`/`marvin serve`, "
            "or wrap the run in `with use_services(...)`"
        )
    return current


@contextmanager
def use_services(value: Services) -> Iterator[Services]:
    """Make `value` the services of every task run started inside the block."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)
