"""Counting triggers, TRIGGERFAIL/VALIDATIONFAIL signals and the Cancelled/Resume states.

Pinned against Prefect 1.4: prefect.triggers.some_failed/some_successful (ints are
counts, bounds below 1 fractions, unmet raises TRIGGERFAIL), prefect.engine.signals and
prefect.engine.state (Cancelled is Finished but neither failed nor successful; a resumed
manual_only task passes through Resume and runs).
"""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import (
    TRIGGERFAIL,
    VALIDATIONFAIL,
    Cancelled,
    Flow,
    Resume,
    State,
    TriggerFailed,
    ValidationFailed,
    get_context,
    manual_only,
    some_failed,
    some_successful,
    task,
)


@task
def ok() -> int:
    return 1


@task
def boom() -> int:
    raise RuntimeError("boom")


def run_after(trigger: Any, failures: int, successes: int) -> State:
    @task(trigger=trigger)
    def after() -> str:
        return "ran"

    with Flow("counting") as flow:
        ups = [boom.copy()() for _ in range(failures)] + [ok.copy()() for _ in range(successes)]
        a = after(upstream_tasks=ups)
    return flow.run().task_run(a).state


@pytest.mark.parametrize(
    ("trigger", "failures", "successes", "runs"),
    [
        (some_failed(at_least=2), 2, 1, True),
        (some_failed(at_least=2), 1, 2, False),
        (some_failed(at_most=1), 1, 3, True),
        (some_failed(at_most=1), 2, 2, False),
        (some_failed(at_least=0.5), 2, 2, True),  # below 1: a fraction of upstreams
        (some_failed(at_least=0.5), 1, 3, False),
        (some_successful(at_least=1, at_most=2), 1, 2, True),
        (some_successful(at_least=1, at_most=2), 0, 3, False),
        (some_successful(at_most=0.25), 3, 1, True),
        (some_failed(at_least=1.0), 1, 3, True),  # 1.0 is a count (one), not "all"
    ],
)
def test_counting_triggers(trigger: Any, failures: int, successes: int, runs: bool) -> None:
    state = run_after(trigger, failures, successes)
    if runs:
        assert state.is_successful() and state.result == "ran"
    else:
        assert isinstance(state, TriggerFailed)
        assert "was not met" in (state.message or "")
        assert isinstance(state.exception, TRIGGERFAIL)


def test_triggerfail_raised_by_a_task_ends_trigger_failed_without_retries() -> None:
    @task(max_retries=2)
    def refuses() -> None:
        raise TRIGGERFAIL("not now")

    with Flow("tf") as flow:
        t = refuses()
    task_run = flow.run().task_run(t)
    assert isinstance(task_run.state, TriggerFailed) and task_run.run_count == 1


def test_validationfail_ends_validation_failed_and_fails_the_flow() -> None:
    @task(max_retries=2)
    def check(x: int) -> int:
        if x < 0:
            raise VALIDATIONFAIL(f"{x} is negative", result=x)
        return x

    with Flow("vf") as flow:
        t = check(-1)
    run = flow.run()
    state = run.task_run(t).state
    assert isinstance(state, ValidationFailed) and state.is_failed() and state.result == -1
    assert run.task_run(t).run_count == 1
    assert run.state.is_failed()


def test_a_handler_can_cancel_a_run_and_the_flow_ends_cancelled() -> None:
    def cancel(obj: Any, old: State, new: State) -> State | None:
        return Cancelled("stopped by an operator") if new.is_running() else None

    @task(state_handlers=[cancel])
    def work() -> int:
        raise AssertionError("must not run")

    with Flow("cancel") as flow:
        t = work()
    run = flow.run()
    state = run.task_run(t).state
    assert isinstance(state, Cancelled) and state.is_finished()
    assert not state.is_failed() and not state.is_successful()
    assert isinstance(run.state, Cancelled)


def test_a_resumed_manual_only_task_passes_through_resume() -> None:
    seen: list[bool] = []

    @task(trigger=manual_only)
    def approve() -> str:
        seen.append(get_context().resume)
        return "approved"

    with Flow("approve") as flow:
        t = approve()
    assert flow.run().task_run(t).state.is_paused()
    run = flow.run(resume=[t])
    names = [s.name for s in run.task_run(t).history]
    assert names[:2] == ["Resume", "Running"] and run.result(t) == "approved"
    assert isinstance(run.task_run(t).history[0], Resume)
    assert seen == [True]
