"""A graceful stop of `marvin serve`: what happens to flow runs in progress on SIGTERM.

Once Slack's requests have stopped coming (the socket closed, HTTP no longer accepting)::

    finished = finish_runs(scheduler, services.outbox, history, grace=20, now=clock)

no new run starts; runs in progress get `grace` seconds to end. Those still going after
it are cut short: each send they hold is handed over (any process resumes it at once,
asking Slack first what went out), their schedule slots are released (another replica
runs them at once), no further message leaves this process, and the run history records
their end with a message saying so. Then the process may exit.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

from marvin.delivery.outbox import Outbox
from marvin.history.recovery import close_own_runs
from marvin.scheduler import FlowScheduler
from marvin.store.run_history import RunHistory
from marvin.workspace_schedules import WorkspaceSchedulers

log = logging.getLogger("marvin.web.shutdown")

CUT_SHORT = ("shutdown: Marvin was stopped and this run did not end within "
             "MARVIN_SHUTDOWN_GRACE_SECONDS ({grace:g} s); its unfinished sends were handed "
             "over to the next run")


def finish_runs(scheduler: FlowScheduler | WorkspaceSchedulers, outbox: Outbox,
                history: RunHistory | None, grace: float,
                now: Callable[[], dt.datetime]) -> bool:
    """Let runs in progress end within `grace` seconds, then cut the rest short.

    Returns:
        True when every run ended by itself; False when some were cut short (their
        threads may still be inside a call: the caller ends the process).
    """
    return finish_runs_of(scheduler, [(outbox, history)], grace, now)


def finish_runs_of(scheduler: FlowScheduler | WorkspaceSchedulers,
                   workspaces: Sequence[tuple[Outbox, RunHistory | None]], grace: float,
                   now: Callable[[], dt.datetime]) -> bool:
    """`finish_runs` for many workspaces' runs (OAuth mode): one grace for all of them,
    then each workspace's sends handed over and its runs' ends recorded."""
    scheduler.stop_firing()
    going = scheduler.wait_for_runs(0)
    if going:
        log.info("shutdown: waiting up to %g s for %d run(s) in progress", grace, going)
        going = scheduler.wait_for_runs(grace)
    if not going:
        return True
    why = CUT_SHORT.format(grace=grace)
    handed_over = sum(outbox.hand_over_all(why) for outbox, _history in workspaces)
    released = scheduler.release_slots()
    ended = [run for _outbox, history in workspaces if history is not None
             for run in close_own_runs(history, now(), why)]
    log.warning("shutdown: %d run(s) still going after %g s: %d send(s) handed over, "
                "%d slot(s) released, %d run(s) recorded as cut short", going, grace,
                handed_over, released, len(ended))
    return False
