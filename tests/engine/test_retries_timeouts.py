"""Retries on a FakeClock (never sleeping), RETRY/FAIL signals, timeouts, kept tracebacks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from marvin.engine import (
    FAIL,
    RETRY,
    FakeClock,
    Flow,
    Retrying,
    TaskRun,
    TimedOut,
    get_context,
    task,
)

START = 1_000.0


def run_one(t: Any, clock: FakeClock | None = None) -> TaskRun:
    with Flow("one") as flow:
        t()
    return flow.run(clock=clock or FakeClock(start=START)).task_runs[0]


def names(tr: TaskRun) -> list[str]:
    return [s.name for s in tr.history]


def test_retries_until_success_without_sleeping() -> None:
    attempts: list[int] = []

    @task(max_retries=3, retry_delay=timedelta(seconds=30))
    def flaky() -> str:
        attempts.append(get_context().run_count)
        if len(attempts) < 3:
            raise ConnectionError("try again")
        return "sent"

    clock = FakeClock(start=START)
    tr = run_one(flaky, clock)
    assert tr.state.is_successful() and tr.result == "sent"
    assert attempts == [1, 2, 3]
    assert tr.run_count == 3
    assert clock.slept == [30.0, 30.0]
    # Prefect 1: a retried attempt enters Failed, then Retrying.
    assert names(tr) == [
        "Running", "Failed", "Retrying", "Running", "Failed", "Retrying", "Running", "Success"
    ]


def test_retrying_states_carry_the_right_start_time() -> None:
    @task(max_retries=2, retry_delay=10)
    def always_fails() -> None:
        raise ConnectionError("down")

    clock = FakeClock(start=START)
    tr = run_one(always_fails, clock)
    retrying = [s for s in tr.history if isinstance(s, Retrying)]
    assert [(s.timestamp, s.start_time, s.run_count) for s in retrying] == [
        (START, START + 10, 1),
        (START + 10, START + 20, 2),
    ]
    running = [s.timestamp for s in tr.history if s.is_running()]
    assert running == [START, START + 10, START + 20]
    assert tr.state.is_failed()
    assert tr.run_count == 3
    assert clock.slept == [10.0, 10.0]
    assert "ConnectionError" in (retrying[0].message or "")


def test_no_retries_means_one_attempt() -> None:
    @task
    def fails() -> None:
        raise ValueError("x")

    clock = FakeClock()
    tr = run_one(fails, clock)
    assert names(tr) == ["Running", "Failed"]
    assert clock.slept == []


def test_retry_signal_honoured_while_retries_remain_then_failed() -> None:
    calls: list[int] = []

    @task(max_retries=2, retry_delay=1)
    def asks_again() -> None:
        calls.append(1)
        raise RETRY("not ready")

    clock = FakeClock(start=START)
    tr = run_one(asks_again, clock)
    assert len(calls) == 3
    assert names(tr) == ["Running", "Retrying"] * 2 + ["Running", "Failed"]
    assert "not ready" in (tr.history[1].message or "")
    assert tr.state.is_failed() and "no retries left" in (tr.state.message or "")
    assert clock.slept == [1.0, 1.0]


def test_retry_signal_can_lead_to_success() -> None:
    calls: list[int] = []

    @task(max_retries=1)
    def second_time_lucky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RETRY("wait for the data")
        return "done"

    tr = run_one(second_time_lucky)
    assert tr.result == "done"
    assert names(tr) == ["Running", "Retrying", "Running", "Success"]


def test_fail_signal_fails_at_once_without_retries() -> None:
    # FAIL means "retrying cannot help" (signals.py); plain exceptions are the retryable kind.
    calls: list[int] = []

    @task(max_retries=3, retry_delay=2)
    def refuses() -> None:
        calls.append(1)
        raise FAIL("user_not_found", result="U404")

    clock = FakeClock()
    tr = run_one(refuses, clock)
    assert calls == [1]
    assert names(tr) == ["Running", "Failed"]
    assert tr.state.message == "user_not_found" and tr.result == "U404"
    assert isinstance(tr.state.exception, FAIL)  # type: ignore[attr-defined]
    assert clock.slept == []


def test_exceptions_keep_the_exception_and_traceback() -> None:
    err = KeyError("U404")

    @task
    def lookup_member() -> None:
        raise err

    tr = run_one(lookup_member)
    state = tr.state
    assert state.is_failed()
    assert state.exception is err  # type: ignore[attr-defined]
    tb = state.traceback  # type: ignore[attr-defined]
    assert "Traceback (most recent call last)" in tb
    assert "lookup_member" in tb and "KeyError" in tb
    assert "KeyError" in (state.message or "") and "U404" in (state.message or "")


def test_a_failing_task_does_not_raise_out_of_the_run() -> None:
    @task
    def explode() -> None:
        raise SystemError("deep")

    with Flow("no-raise") as flow:
        explode()
    run = flow.run()
    assert run.state.is_failed()


# Timeouts (tiny real timeouts; blocked calls are released when the test ends) ----------
@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_timeout_gives_timed_out(release: threading.Event) -> None:
    @task(timeout=0.05)
    def hangs() -> None:
        release.wait(5)

    tr = run_one(hangs)
    assert type(tr.state) is TimedOut
    assert tr.state.is_failed()
    assert "timed out" in (tr.state.message or "")


def test_timed_out_runs_are_retried(release: threading.Event) -> None:
    attempts: list[int] = []

    @task(timeout=0.2, max_retries=1, retry_delay=7)
    def slow_then_fast() -> str:
        attempts.append(get_context().run_count)
        if len(attempts) == 1:
            release.wait(5)
        return "fast"

    clock = FakeClock()
    tr = run_one(slow_then_fast, clock)
    assert names(tr) == ["Running", "TimedOut", "Retrying", "Running", "Success"]
    assert "timed out" in (tr.history[2].message or "")
    assert tr.result == "fast"
    assert attempts == [1, 2]
    assert clock.slept == [7.0]


def test_timeout_not_reached_returns_the_result_and_errors() -> None:
    @task(timeout=5)
    def quick() -> int:
        return 7

    @task(timeout=5)
    def quick_error() -> None:
        raise ValueError("inside timeout")

    assert run_one(quick).result == 7
    failed = run_one(quick_error).state
    assert type(failed).__name__ == "Failed"
    assert isinstance(failed.exception, ValueError)  # type: ignore[attr-defined]


def test_signals_work_under_a_timeout() -> None:
    @task(timeout=5, max_retries=1)
    def retry_once() -> str:
        if get_context().run_count == 1:
            raise RETRY("again")
        return "ok"

    tr = run_one(retry_once)
    assert names(tr) == ["Running", "Retrying", "Running", "Success"]


def test_context_is_available_under_a_timeout() -> None:
    @task(timeout=5)
    def who() -> str:
        return get_context().task_name

    assert run_one(who).result == "who"
