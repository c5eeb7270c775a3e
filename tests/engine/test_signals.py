"""Signals: exceptions a task raises to choose its own state (message + optional result)."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import (
    FAIL,
    PAUSE,
    RETRY,
    SKIP,
    SUCCESS,
    Failed,
    Flow,
    Paused,
    Retrying,
    Signal,
    Skipped,
    Success,
    TaskRun,
    task,
)


@pytest.mark.parametrize(
    ("signal", "state_class"),
    [(SKIP, Skipped), (FAIL, Failed), (SUCCESS, Success), (RETRY, Retrying), (PAUSE, Paused)],
)
def test_each_signal_is_an_exception_carrying_its_state(
    signal: type[Signal], state_class: type[Any]
) -> None:
    assert issubclass(signal, Signal) and issubclass(signal, Exception)
    assert signal.state_class is state_class
    sig = signal("why", result=42)
    assert (sig.message, sig.result) == ("why", 42)
    assert str(sig) == "why"
    bare = signal()
    assert (bare.message, bare.result) == (None, None)


def test_result_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        SKIP("why", 42)  # type: ignore[call-arg]


def _run_raising(exc: BaseException) -> TaskRun:
    @task
    def raiser() -> None:
        raise exc

    with Flow("signals") as flow:
        raiser()
    return flow.run().task_runs[0]


def test_skip_signal_gives_skipped_with_message_and_result() -> None:
    tr = _run_raising(SKIP("already posted", result="U1"))
    assert type(tr.state) is Skipped
    assert tr.state.message == "already posted"
    assert tr.state.result == "U1"
    assert tr.run_count == 1


def test_success_signal_gives_success_with_result() -> None:
    tr = _run_raising(SUCCESS("short cut", result={"n": 3}))
    assert type(tr.state) is Success
    assert (tr.state.message, tr.state.result) == ("short cut", {"n": 3})


def test_fail_signal_gives_failed_keeping_the_signal() -> None:
    sig = FAIL("nope", result="partial")
    tr = _run_raising(sig)
    assert type(tr.state) is Failed
    assert tr.state.message == "nope"
    assert tr.state.result == "partial"
    assert tr.state.exception is sig


def test_retry_signal_without_retries_left_fails() -> None:
    tr = _run_raising(RETRY("try later"))
    assert type(tr.state) is Failed
    assert "try later" in (tr.state.message or "")
    assert tr.run_count == 1


def test_pause_signal_pauses_the_task_and_the_run() -> None:
    @task
    def wait_for_human() -> None:
        raise PAUSE("approve first")

    @task
    def after(x: Any) -> str:
        return "ran"

    with Flow("pause") as flow:
        a = after(wait_for_human())
    run = flow.run()
    assert type(run.task_runs[0].state) is Paused
    assert run.task_run(a).state.is_pending()
    assert not run.state.is_finished()


@pytest.mark.parametrize("signal", [SKIP, FAIL, SUCCESS, RETRY])
def test_signal_without_message_gets_a_default_one(signal: type[Signal]) -> None:
    tr = _run_raising(signal())
    assert tr.state.message
    assert signal.__name__ in tr.state.message


def test_success_with_no_result_downstream_receives_none() -> None:
    @task
    def early() -> int:
        raise SUCCESS("nothing to do")

    seen: list[Any] = []

    @task
    def after(x: Any) -> None:
        seen.append(x)

    with Flow("early") as flow:
        after(early())
    run = flow.run()
    assert run.state.is_successful()
    assert seen == [None]


def test_skip_result_reaches_a_downstream_that_runs_anyway() -> None:
    @task
    def gate() -> None:
        raise SKIP("not today", result="fallback")

    seen: list[Any] = []

    @task(skip_on_upstream_skip=False)
    def after(x: Any) -> None:
        seen.append(x)

    with Flow("skip-result") as flow:
        after(gate())
    flow.run()
    assert seen == ["fallback"]


def test_signals_are_not_retried_unless_they_ask_to_be() -> None:
    calls: list[int] = []

    @task(max_retries=3)
    def skipper() -> None:
        calls.append(1)
        raise SKIP("no")

    with Flow("no-retry") as flow:
        skipper()
    run = flow.run()
    assert run.task_runs[0].state.is_skipped()
    assert calls == [1]
