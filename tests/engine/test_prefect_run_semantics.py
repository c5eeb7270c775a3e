"""Run-time semantics pinned against Prefect 1: signal results, failed results, the flow
state while tasks wait, `flow.run(task_states=...)` and `terminal_state_handler`."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import (
    FAIL,
    PAUSE,
    SKIP,
    SUCCESS,
    Failed,
    Flow,
    FlowValidationError,
    Mapped,
    Pending,
    Skipped,
    State,
    Success,
    always_run,
    manual_only,
    task,
)
from tests.engine.small_tasks import inc, one


@task(trigger=always_run, skip_on_upstream_skip=False)
def seen(x: Any) -> Any:
    return ("got", x)


# Signals: Prefect 1's PrefectStateSignal builds its state with result=None unless a
# result is given, so a SKIP/SUCCESS without `result=` passes None downstream.


@pytest.mark.parametrize("signal", [SKIP, SUCCESS])
def test_a_signal_without_result_passes_none(signal: type[Exception]) -> None:
    @task
    def signals() -> int:
        raise signal("no value")

    with Flow("sig") as flow:
        s = signals()
        d = seen(s)
    run = flow.run()
    assert run.result(s) is None and run.result(d) == ("got", None)


def test_a_signal_with_result_passes_it() -> None:
    @task
    def signals() -> int:
        raise SUCCESS("done early", result=5)

    with Flow("sig") as flow:
        d = seen(signals())
    assert flow.run().result(d) == ("got", 5)


def test_a_failed_task_passes_none_and_keeps_its_exception() -> None:
    # Deliberate difference: Prefect 1 sets Failed.result to the exception, so an
    # always_run task downstream receives the exception object as a value. Marvin keeps
    # it in `state.exception`: a report counting results must not count a failure.
    @task
    def broken() -> int:
        raise ValueError("bad")

    with Flow("fail") as flow:
        b = broken()
        d = seen(b)
    run = flow.run()
    state = run.task_run(b).state
    assert state.result is None and isinstance(getattr(state, "exception", None), ValueError)
    assert run.result(d) == ("got", None)


def test_a_skipped_reminder_is_not_counted_as_sent() -> None:
    # The shape of flows/reminder.py: a report counting truthy results after a map.
    @task
    def remind(member: str) -> str:
        if member == "bob":
            raise SKIP("posted already")
        return member

    @task(skip_on_upstream_skip=False)
    def report(sent: list[str | None]) -> str:
        return f"{len([s for s in sent if s])} sent"

    with Flow("remind") as flow:
        r = report(remind.map(["ann", "bob"]))
    assert flow.run().result(r) == "1 sent"


# Flow state while tasks wait: Prefect 1's FlowRunner keeps the flow Running while a
# terminal task is not finished (paused, manual_only). Marvin's `run` has returned by
# then, so the flow ends Paused (documented difference); a failed reference task still
# fails the flow, so alerts fire.


def test_a_manual_only_terminal_task_leaves_the_flow_paused() -> None:
    @task(trigger=manual_only)
    def approve(x: int) -> int:
        return x

    with Flow("approve") as flow:
        a = one()
        approve(a)
    flow.set_reference_tasks([a])  # the reference task succeeded, a terminal one waits
    run = flow.run()
    assert run.state.is_paused()


def test_a_pause_signal_leaves_the_flow_paused() -> None:
    @task
    def wait() -> None:
        raise PAUSE("approve first")

    with Flow("pause") as flow:
        wait()
    assert flow.run().state.is_paused()


def test_a_failed_reference_task_wins_over_a_waiting_one() -> None:
    @task
    def broken() -> None:
        raise FAIL("down")

    @task
    def wait() -> None:
        raise PAUSE("later")

    with Flow("both") as flow:
        broken()
        wait()
    assert flow.run().state.is_failed()


# flow.run(task_states=...): Prefect 1's FlowRunner.run(task_states=...) does not rerun
# a task given a finished state; its result flows downstream.


def test_task_states_skip_finished_tasks_and_feed_their_results() -> None:
    calls: list[int] = []

    @task
    def expensive() -> int:
        calls.append(1)
        return 1

    with Flow("resume") as flow:
        e = expensive()
        i = inc(e)
    run = flow.run(task_states={e: Success("from before", result=41)})
    assert calls == [] and run.result(i) == 42
    assert run.task_run(e).state.message == "from before"


def test_task_states_that_are_not_finished_run_as_usual() -> None:
    with Flow("pending") as flow:
        i = inc(one())
    run = flow.run(task_states={i: Pending("not yet")})
    assert run.result(i) == 2


def test_task_states_given_failed_or_skipped_propagate() -> None:
    with Flow("given") as flow:
        a = one()
        i = inc(a)
    run = flow.run(task_states={a: Failed("earlier failure")})
    assert run.task_run(i).state.name == "TriggerFailed" and run.state.is_failed()
    run = flow.run(task_states={a: Skipped("not today")})
    assert run.task_run(i).state.is_skipped()


def test_task_states_given_a_mapped_state_bring_their_children() -> None:
    with Flow("mapped") as flow:
        m = inc.map([1, 2])
        d = inc.map(m)
    given = Mapped("earlier", children=[Success(result=10), Failed("item failed")])
    run = flow.run(task_states={m: given})
    children = run.task_run(d).children
    assert children is not None
    assert [c.state.name for c in children] == ["Success", "TriggerFailed"]
    assert children[0].result == 11


def test_task_states_for_unknown_tasks_or_non_states_are_refused() -> None:
    with Flow("bad") as flow:
        one()
    with pytest.raises(FlowValidationError, match="not in flow"):
        flow.run(task_states={inc.copy(): Success()})
    with pytest.raises(FlowValidationError, match="not a State"):
        flow.run(task_states={next(iter(flow.tasks)): "Success"})  # type: ignore[dict-item]


# Prefect 1 Flow(terminal_state_handler=fn): fn(flow, state, reference_task_states)
# may return a new final state for the flow.


def test_terminal_state_handler_can_replace_the_final_state() -> None:
    seen_args: list[tuple[Any, State, set[State]]] = []

    def soften(flow: Flow, state: State, references: set[State]) -> State | None:
        seen_args.append((flow, state, references))
        return Success("failures tolerated") if state.is_failed() else None

    @task
    def broken() -> None:
        raise FAIL("down")

    with Flow("soft", terminal_state_handler=soften) as flow:
        b = broken()
    run = flow.run()
    assert run.state.is_successful() and run.state.message == "failures tolerated"
    ((got_flow, got_state, references),) = seen_args
    assert got_flow is flow and got_state.is_failed()
    assert references == {run.task_run(b).state}


def test_a_raising_terminal_state_handler_keeps_the_state() -> None:
    def broken_handler(flow: Flow, state: State, references: set[State]) -> State:
        raise RuntimeError("oops")

    with Flow("keeps", terminal_state_handler=broken_handler) as flow:
        one()
    assert flow.run().state.is_successful()
