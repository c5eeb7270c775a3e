"""Publishing events (`marvin.domain.events.Event`): recorded, then handed to automations.

Example::

    publish(Event(ACCOUNT_INACTIVE, f"{run_id}/{user}", team, user, now))

An event published during a recorded run is an event of that run (``marvin events``
lists it) and waits in the run's `collecting` block until the run has ended: the
automations it triggers run after it, separately, so they can never fail it. An event
published outside any run (a Slack listener, a modal submission) goes at once to the
process's sink (`set_sink`, set by the composition root), which runs automations on a
worker thread. With no sink (a CLI command, a unit test) it is only logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from marvin.domain.events import Event
from marvin.engine.context import bind
from marvin.history.recorder import emit_event

log = logging.getLogger("marvin.events")
Sink = Callable[[Event], object]  # what it returns (a future, say) is ignored

_collected: ContextVar[list[Event] | None] = ContextVar("marvin_events", default=None)
_sink: Sink | None = None


def publish(event: Event) -> None:
    """Record `event` in the current run (if any) and pass it on to the automations."""
    emit_event(event.system, event.name, event.subject, f"event:{event.id}", 0.0)
    pass_on(event)


def pass_on(event: Event) -> None:
    """`publish` without recording: for an event already recorded where it was published
    (a task on a Dask worker, whose events come back to the run's process)."""
    collected = _collected.get()
    if collected is not None:
        collected.append(event)  # list.append is atomic: mapped tasks publish in threads
        return
    sink = _sink
    if sink is None:
        log.info("event %s %s (no automations in this process)", event.type, event.id)
        return
    try:
        sink(event)
    except Exception:  # whoever published it must not fail for its automations
        log.exception("event %s %s: could not hand it to the automations", event.type, event.id)


@contextmanager
def collecting() -> Iterator[list[Event]]:
    """Keep the events published inside the block (and its task runs) in the list yielded."""
    events: list[Event] = []
    with bind(_collected, events):
        yield events


def set_sink(sink: Sink | None) -> None:
    """Where events published outside a run go in this process (None: nowhere)."""
    global _sink
    _sink = sink
