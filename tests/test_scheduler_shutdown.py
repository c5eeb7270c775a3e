"""Stopping the scheduler gracefully: no new run, runs in progress awaited, and the slots
of runs cut short released so another replica runs them at once. On both stores.

A run here is a function blocked on an event: nothing sleeps; `wait_for_runs` is asked
with a zero timeout (how many still run now), never timed.
"""

from __future__ import annotations

import threading
from typing import Any

from marvin.scheduler import RELEASED, FlowScheduler
from marvin.store import Store
from marvin.store.liveness import this_process
from tests.test_scheduler import make_settings
from tests.test_scheduler_slots import JOB, REMINDER_SLOT, at


class BlockedRun:
    """A flow run that goes on until `finish` is set."""

    def __init__(self) -> None:
        self.started, self.finish = threading.Event(), threading.Event()
        self.calls: list[str] = []

    def __call__(self, flow: str, parameters: dict[str, Any], scheduled: Any) -> None:
        self.calls.append(flow)
        self.started.set()
        self.finish.wait(30)


def running(store: Store, run: BlockedRun) -> tuple[FlowScheduler, threading.Thread]:
    """A scheduler catching up the reminder slot, its run started and going on."""
    scheduler = FlowScheduler(store, make_settings(), run=run, now=lambda: at(8, 40))
    catch_up = threading.Thread(target=scheduler.catch_up)
    catch_up.start()
    assert run.started.wait(10)
    return scheduler, catch_up


def test_a_run_cut_short_gives_its_slot_to_the_next_replica(store: Store) -> None:
    run = BlockedRun()
    stopping, catch_up = running(store, run)

    stopping.stop_firing()
    assert stopping.wait_for_runs(0) == 1  # still going: the grace would run out here
    assert stopping.release_slots() == 1
    claim = store.get_slot_claim(JOB)
    assert claim is not None and not claim.done
    assert claim.owner == f"{RELEASED} {this_process()}"

    replica = BlockedRun()
    replica.finish.set()
    other = FlowScheduler(store, make_settings(), run=replica, now=lambda: at(8, 41))
    assert ("reminder", REMINDER_SLOT) in other.catch_up()  # at once, no lease to wait

    run.finish.set()
    catch_up.join(10)
    assert stopping.wait_for_runs(0) == 0
    assert run.calls == ["reminder"]


def test_a_run_that_ends_in_time_keeps_its_slot_done(store: Store) -> None:
    run = BlockedRun()
    scheduler, catch_up = running(store, run)

    scheduler.stop_firing()
    run.finish.set()
    assert scheduler.wait_for_runs(10) == 0
    catch_up.join(10)
    assert scheduler.release_slots() == 0
    claim = store.get_slot_claim(JOB)
    assert claim is not None and claim.done and claim.owner == this_process()
