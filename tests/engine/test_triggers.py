"""Triggers are plain functions over a list of upstream states (empty lists included)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from marvin.engine import SKIP as SKIP_SIGNAL
from marvin.engine import Flow, State, task, triggers
from marvin.engine import state as states

Trigger = Callable[[Sequence[State]], bool]

OK, SKIP, MAPPED = states.Success(), states.Skipped(), states.Mapped()
FAIL, TFAIL, TOUT = states.Failed(), states.TriggerFailed(), states.TimedOut()
PEND, RUN = states.Pending(), states.Running()
RETRY, PAUSE = states.Retrying(), states.Paused()
#: the triggers that decide on the upstream outcomes (manual_only ignores them)
OUTCOME_TRIGGERS = (
    triggers.all_successful, triggers.all_finished, triggers.any_successful,
    triggers.any_failed, triggers.all_failed,
)

CASES: list[tuple[Trigger, list[State], bool]] = [
    # all_successful: Skipped and Mapped count as success
    (triggers.all_successful, [], True),
    (triggers.all_successful, [OK, OK], True),
    (triggers.all_successful, [OK, SKIP, MAPPED], True),
    (triggers.all_successful, [OK, FAIL], False),
    (triggers.all_successful, [TFAIL], False),
    (triggers.all_successful, [TOUT], False),
    (triggers.all_successful, [OK, PEND], False),
    (triggers.all_successful, [RUN], False),
    # all_finished: any outcome, but finished
    (triggers.all_finished, [], True),
    (triggers.all_finished, [OK, FAIL, SKIP, TFAIL, TOUT, MAPPED], True),
    (triggers.all_finished, [OK, PEND], False),
    (triggers.all_finished, [RETRY], False),
    (triggers.all_finished, [PAUSE], False),
    (triggers.all_finished, [RUN], False),
    # any_successful
    (triggers.any_successful, [], True),
    (triggers.any_successful, [FAIL, OK], True),
    (triggers.any_successful, [FAIL, SKIP], True),
    (triggers.any_successful, [FAIL, TFAIL], False),
    (triggers.any_successful, [PEND], False),
    # any_failed
    (triggers.any_failed, [], True),
    (triggers.any_failed, [OK, FAIL], True),
    (triggers.any_failed, [OK, TOUT], True),
    (triggers.any_failed, [TFAIL], True),
    (triggers.any_failed, [OK, SKIP, MAPPED], False),
    (triggers.any_failed, [PEND], False),
    # all_failed
    (triggers.all_failed, [], True),
    (triggers.all_failed, [FAIL, TFAIL, TOUT], True),
    (triggers.all_failed, [FAIL, OK], False),
    (triggers.all_failed, [FAIL, SKIP], False),
    (triggers.all_failed, [PEND], False),
    # manual_only never runs by itself
    (triggers.manual_only, [], False),
    (triggers.manual_only, [OK], False),
    (triggers.manual_only, [FAIL], False),
    # not_all_skipped (merge's trigger)
    (triggers.not_all_skipped, [OK, SKIP], True),
    (triggers.not_all_skipped, [OK, FAIL], False),
    (triggers.not_all_skipped, [SKIP, FAIL], False),
]


@pytest.mark.parametrize(
    ("trigger", "states", "expected"),
    CASES,
    ids=[f"{t.__name__}-{'_'.join(s.name for s in st) or 'empty'}" for t, st, _ in CASES],
)
def test_trigger_table(trigger: Trigger, states: list[State], expected: bool) -> None:
    assert trigger(states) is expected


def test_always_run_is_all_finished() -> None:
    assert triggers.always_run is triggers.all_finished


@pytest.mark.parametrize(
    "trigger",
    [*OUTCOME_TRIGGERS, triggers.manual_only],
)
def test_triggers_are_pure_and_accept_any_sequence(trigger: Trigger) -> None:
    states = [OK, FAIL, SKIP]
    copy = list(states)
    assert trigger(tuple(states)) == trigger(states) == trigger(states)
    assert states == copy  # not mutated


def test_triggers_return_bools_not_truthy_values() -> None:
    for trigger in OUTCOME_TRIGGERS:
        for upstream in ([], [OK], [FAIL], [OK, FAIL]):
            assert type(trigger(upstream)) is bool


def test_not_all_skipped_skips_when_every_upstream_skipped() -> None:
    # As in Prefect 1: nothing ran, so nothing failed (merge after cases that all skipped).
    with pytest.raises(SKIP_SIGNAL):
        triggers.not_all_skipped([SKIP, SKIP])


# Triggers in a run -----------------------------------------------------------------------
@task
def broken() -> None:
    raise ValueError("broken")


@task
def fine() -> str:
    return "fine"


def test_unmet_trigger_gives_trigger_failed_without_running() -> None:
    calls: list[int] = []

    @task(trigger=triggers.all_failed)
    def fallback(a: object, b: object) -> None:
        calls.append(1)

    with Flow("t") as flow:
        f = fallback(broken(), fine())
    tr = flow.run().task_run(f)
    assert tr.state.name == "TriggerFailed"
    assert "all_failed" in (tr.state.message or "")
    assert calls == [] and tr.run_count == 0


def test_trigger_receives_every_child_of_a_mapped_upstream() -> None:
    seen: list[list[str]] = []

    def spy(states: Sequence[State]) -> bool:
        seen.append([s.name for s in states])
        return True

    @task
    def maybe(x: int) -> int:
        if x == 2:
            raise ValueError("two")
        return x

    @task(trigger=spy)
    def after(xs: list[int], y: str) -> None:
        return None

    with Flow("t") as flow:
        after(maybe.map([1, 2, 3]), fine())
    flow.run()
    assert seen == [["Success", "Failed", "Success", "Success"]]


def test_a_raising_trigger_is_trigger_failed_with_the_exception() -> None:
    def bad_trigger(states: Sequence[State]) -> bool:
        raise KeyError("oops")

    @task(trigger=bad_trigger)
    def after(x: object) -> None:
        return None

    with Flow("t") as flow:
        a = after(fine())
    state = flow.run().task_run(a).state
    assert state.name == "TriggerFailed"
    assert isinstance(state.exception, KeyError)  # type: ignore[attr-defined]


def test_manual_only_pauses_until_resumed() -> None:
    calls: list[int] = []

    @task(trigger=triggers.manual_only)
    def approve(x: object) -> str:
        calls.append(1)
        return "approved"

    with Flow("t") as flow:
        a = approve(fine())
    run = flow.run()
    assert run.task_run(a).state.name == "Paused"
    assert run.state.is_paused() and calls == []
    resumed = flow.run(resume=[a])
    assert resumed.result(a) == "approved"
    assert resumed.state.is_successful()
