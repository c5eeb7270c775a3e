"""What a flow's tasks use from the outside world (store, Slack, settings, clock), by context.

Example::

    with use_services(Services(store=store, chat=chat, settings=settings)):
        reminder_flow.run(parameters={"team": "default"})

    # inside a task
    services().store.list_updates(team, date)
    with services().outbox.claim(key) as out: ...

Like Prefect's Secrets, tasks ask for what they need at run time instead of taking it
as inputs, so the flows read like the plain positive code and the runs' recorded
parameters stay plain values. The composition root (`marvin.app`) builds one Services;
tests build one with fakes and a fixed clock. On Dask, tasks run in other processes,
where each worker builds its own from the run's settings (`flows/worker_services.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from marvin.delivery.outbox import Outbox
from marvin.domain.clock import utc_now
from marvin.domain.models import Team
from marvin.engine.context import bind
from marvin.settings import Settings
from marvin.slack.protocol import ChatAPI
from marvin.store.base import Store
from marvin.store.teams import resolve_team


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

    @cached_property
    def outbox(self) -> Outbox:
        """Sends each reminder and digest at most once, through these services: one per
        services, so shutdown can hand over every claim its runs hold."""
        return Outbox(
            self.store, self.chat, self.now, self.settings.delivery_lease_seconds,
            dry_run=self.dry_run,
        )


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


def use_services(value: Services) -> AbstractContextManager[Services]:
    """Make `value` the services of every task run started inside the block."""
    return bind(_current, value)
