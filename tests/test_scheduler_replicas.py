"""Several replicas on one store: a survivor takes over a slot whose claimer died, and the
run history is pruned once an hour in total. On SQLite and on Firestore (the emulator).

Times are fixed on Monday 2026-06-08 (the default team: reminder 08:30, standup 09:00
UTC); nothing sleeps and no flow runs: `run` notes what it was asked to run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from marvin.domain.models import SlotClaim, Team
from marvin.scheduler import PRUNE_JOB, TAKEOVER_SECONDS, FlowScheduler, team_clocks
from marvin.store import Store
from marvin.store.liveness import this_process
from marvin.store.sqlite.history import SqliteHistory
from tests.test_scheduler import FakeRun, _run, make_settings
from tests.test_scheduler_slots import DEAD_HERE, ELSEWHERE, JOB, REMINDER_SLOT, at, scheduler


def test_take_over_runs_a_due_slot_whose_claimer_died_and_marks_it_done(store: Store) -> None:
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, DEAD_HERE, at(8, 30)))
    run = FakeRun()

    assert scheduler(store, at(8, 31), run).take_over() == [("reminder", REMINDER_SLOT)]
    claim = store.get_slot_claim(JOB)
    assert claim is not None and claim.done and claim.owner == this_process()
    assert scheduler(store, at(8, 32), run).take_over() == []  # done: never again
    assert len(run.calls) == 1


def test_take_over_leaves_slots_nobody_claimed_to_their_jobs(store: Store) -> None:
    """A due slot nobody claimed is its job's to fire (or a start-up catch-up's): a survivor
    does not run a team's slot just because its schedule was changed to a time just past."""
    run = FakeRun()

    assert scheduler(store, at(8, 31), run).take_over() == []
    assert run.calls == []


def test_take_over_waits_for_the_lease_of_a_claimer_on_another_host(store: Store) -> None:
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, ELSEWHERE, at(8, 30)))
    run = FakeRun()

    assert scheduler(store, at(8, 34), run, delivery_lease_seconds=300).take_over() == []
    assert scheduler(store, at(8, 36), run, delivery_lease_seconds=300).take_over() == [
        ("reminder", REMINDER_SLOT)]


def test_take_over_never_takes_a_slot_this_live_process_runs(store: Store) -> None:
    store.swap_slot_claim(None, SlotClaim(JOB, REMINDER_SLOT, this_process(), at(8, 30)))

    assert scheduler(store, at(8, 59), FakeRun(), delivery_lease_seconds=60).take_over() == []


def test_take_over_survives_a_store_that_fails(store: Store) -> None:
    replica = scheduler(store, at(8, 31), FakeRun())
    store.close()

    assert replica.take_over() == []


def test_a_started_scheduler_looks_for_slots_to_take_over_at_most_every_half_lease(
    store: Store,
) -> None:
    replica = scheduler(store, at(8, 0), FakeRun(), delivery_lease_seconds=5)
    replica.start(catch_up=False)
    try:
        job = replica._scheduler.get_job("marvin:take-over")
        assert job is not None and job.trigger.interval == dt.timedelta(seconds=2.5)
    finally:
        replica.shutdown()
    assert scheduler(store, at(8, 0), FakeRun()).takeover_interval == TAKEOVER_SECONDS


def test_of_two_replicas_one_prunes_each_hour(store: Store, tmp_path: Path) -> None:
    history = SqliteHistory(str(tmp_path / "h.db"))
    now = [at(10, 5)]
    replicas = [FlowScheduler(store, make_settings(run_retention_days=7), run=FakeRun(),
                              now=lambda: now[0], history=history) for _ in range(2)]
    _run(history, "old-1", at(10, 0) - dt.timedelta(days=8))

    assert replicas[0].prune_history() == 1
    _run(history, "old-2", at(10, 0) - dt.timedelta(days=8))
    assert replicas[1].prune_history() == 0  # the hour was pruned by the first
    assert [r.id for r in history.list_flow_runs()] == ["old-2"]
    now[0] = at(11, 5)
    assert replicas[1].prune_history() == 1
    claim = store.get_slot_claim(PRUNE_JOB)
    assert claim is not None and claim.done and claim.slot == at(11, 0)
    history.close()


def test_a_long_run_renews_its_claim_so_other_hosts_leave_it_and_it_ends_done(
    store: Store,
) -> None:
    """A replica on another host cannot see that this process lives: only a claim renewed
    within the lease keeps it from taking over a run longer than the lease."""
    now = [at(8, 30)]
    seen: list[SlotClaim | None] = []

    def long_run(flow: str, params: dict[str, object], slot: dt.datetime) -> None:
        now[0] = at(8, 40)  # ten minutes in: twice the lease
        assert replica.renew_claims() == 1
        seen.append(store.get_slot_claim(JOB))

    replica = FlowScheduler(store, make_settings(delivery_lease_seconds=300), run=long_run,
                            now=lambda: now[0])
    replica._fire("reminder", team_clocks(Team())["reminder"])

    (renewed,) = seen
    assert renewed is not None and renewed.claimed_at == at(8, 40) and not renewed.done
    claim = store.get_slot_claim(JOB)
    assert claim is not None and claim.done and claim.claimed_at == at(8, 40)


def test_without_firing_a_started_scheduler_only_keeps_up_claims_and_history(
    store: Store, tmp_path: Path
) -> None:
    """With an external scheduler: no flow job, no catch-up; take-over and pruning."""
    history = SqliteHistory(str(tmp_path / "h.db"))
    replica = FlowScheduler(store, make_settings(), run=FakeRun(), now=lambda: at(8, 40),
                            history=history)
    replica.start(fire=False)
    try:
        ids = {job.id for job in replica._scheduler.get_jobs()}
    finally:
        replica.shutdown()
        history.close()

    # the prune (run at start) may be gone; the automation pass stays, being upkeep too
    assert ids <= {"marvin:take-over", "marvin:prune-runs", "marvin:retry-automations"}
    assert "marvin:take-over" in ids
