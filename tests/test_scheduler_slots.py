"""Scheduled slots run once: a restart or a second replica catches up only slots that
never ran (or whose run died with its process). On SQLite and on Firestore (the emulator).

Times are fixed on Monday 2026-06-08 (the default team: reminder 08:30, standup 09:00
UTC); nothing sleeps and no flow runs: `run` notes what it was asked to run.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from typing import Any

from marvin.domain.models import SlotClaim, Team
from marvin.scheduler import FlowScheduler, team_clocks
from marvin.store import Store
from marvin.store.liveness import this_process
from marvin.store.sqlite.store import SqliteStore
from tests.test_scheduler import FakeRun, make_settings

UTC = dt.UTC
MONDAY = dt.datetime(2026, 6, 8, tzinfo=UTC)
REMINDER_SLOT = MONDAY.replace(hour=8, minute=30)
STANDUP_SLOT = MONDAY.replace(hour=9)
JOB = "reminder:default"
DEAD_HERE = f"{socket.gethostname()}:999999999:12345"  # no such pid: known to be dead
ELSEWHERE = "another-host:42:4242"  # alive or not: only the lease can tell


def at(hour: int, minute: int) -> dt.datetime:
    return MONDAY.replace(hour=hour, minute=minute)


def scheduler(store: Store, now: dt.datetime, run: FakeRun, **settings: Any) -> FlowScheduler:
    return FlowScheduler(store, make_settings(**settings), run=run, now=lambda: now)


def test_a_restart_does_not_catch_up_a_slot_that_already_ran(store: Store) -> None:
    run = FakeRun()
    assert scheduler(store, at(8, 40), run).catch_up() == [("reminder", REMINDER_SLOT)]

    restarted = scheduler(store, at(8, 45), run)  # a new process on the same store
    assert restarted.catch_up() == []
    assert scheduler(store, at(9, 5), run).catch_up() == [("standup", STANDUP_SLOT)]

    assert [(flow, slot) for flow, _, slot in run.calls] == [
        ("reminder", REMINDER_SLOT), ("standup", STANDUP_SLOT)]
    claim = store.get_slot_claim(JOB)
    assert claim is not None and claim.slot == REMINDER_SLOT and claim.done
    assert claim.owner == this_process()


def test_a_job_that_fired_is_not_caught_up_and_the_next_slot_is(store: Store) -> None:
    run = FakeRun()
    clock = team_clocks(Team())["reminder"]
    scheduler(store, at(8, 30), run)._fire("reminder", clock)  # on time

    assert scheduler(store, at(8, 50), run).catch_up() == []
    tuesday = FlowScheduler(store, make_settings(), run=run,
                            now=lambda: at(8, 40) + dt.timedelta(days=1))
    assert tuesday.catch_up() == [("reminder", REMINDER_SLOT + dt.timedelta(days=1))]
    assert len(run.calls) == 2


def test_a_slot_whose_process_died_mid_run_is_run_again(store: Store) -> None:
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, DEAD_HERE, at(8, 30)))
    run = FakeRun()

    assert scheduler(store, at(8, 40), run).catch_up() == [("reminder", REMINDER_SLOT)]
    claim = store.get_slot_claim(JOB)
    assert claim is not None and claim.done and claim.owner == this_process()


def test_a_slot_running_on_another_host_is_left_to_it_until_its_lease_ends(
    store: Store,
) -> None:
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, ELSEWHERE, at(8, 30)))
    run = FakeRun()

    assert scheduler(store, at(8, 34), run, delivery_lease_seconds=300).catch_up() == []
    assert scheduler(store, at(8, 36), run, delivery_lease_seconds=300).catch_up() == [
        ("reminder", REMINDER_SLOT)]


def test_a_slot_claimed_by_this_live_process_is_not_run_twice(store: Store) -> None:
    """Alive here: not taken over even past the lease (the run is long, not dead)."""
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, this_process(), at(8, 30)))
    run = FakeRun()

    assert scheduler(store, at(9, 25), run, delivery_lease_seconds=60).catch_up() == [
        ("standup", STANDUP_SLOT)]
    assert [flow for flow, _, _ in run.calls] == ["standup"]


def test_of_two_replicas_catching_up_at_once_one_runs_each_slot(store: Store) -> None:
    runs = [FakeRun(), FakeRun()]
    replicas = [scheduler(store, at(9, 5), r) for r in runs]
    barrier = threading.Barrier(2)
    results: list[list[tuple[str, dt.datetime]]] = [[], []]

    def catch_up(i: int) -> None:
        barrier.wait()
        results[i] = replicas[i].catch_up()

    threads = [threading.Thread(target=catch_up, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    ran = sorted(results[0] + results[1])
    assert ran == [("reminder", REMINDER_SLOT), ("standup", STANDUP_SLOT)]
    assert sum(len(r.calls) for r in runs) == 2


def test_a_run_that_failed_to_start_is_tried_again_after_a_restart(
    sqlite_store: SqliteStore,
) -> None:
    """Not marked done: a new process (the old one is dead by then) runs it again."""
    failing = FakeRun(error=RuntimeError("could not start"))
    scheduler(sqlite_store, at(8, 40), failing).catch_up()
    claim = sqlite_store.get_slot_claim(JOB)
    assert claim is not None and not claim.done
    sqlite_store.swap_slot_claim(claim, SlotClaim(JOB, REMINDER_SLOT, DEAD_HERE, at(8, 40)))

    run = FakeRun()
    assert scheduler(sqlite_store, at(8, 45), run).catch_up() == [("reminder", REMINDER_SLOT)]
