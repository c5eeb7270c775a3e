"""State handlers on tasks and flows, `on_failure`, and the context seen inside a task."""

from __future__ import annotations

import logging
from typing import Any

import pendulum
import pytest

from marvin.engine import (
    Failed,
    FakeClock,
    Flow,
    Parameter,
    Retrying,
    Skipped,
    State,
    Success,
    get_context,
    task,
)

Transition = tuple[str, str]


def recorder_handler(seen: list[Transition]) -> Any:
    def handler(obj: Any, old: State, new: State) -> None:
        seen.append((old.name, new.name))

    return handler


# Task state handlers ---------------------------------------------------------------------
def test_task_handler_sees_every_transition() -> None:
    seen: list[Transition] = []
    objs: list[Any] = []

    def handler(obj: Any, old: State, new: State) -> None:
        objs.append(obj)
        seen.append((old.name, new.name))

    @task(state_handlers=[handler])
    def work() -> int:
        return 1

    with Flow("h") as flow:
        w = work()
    flow.run()
    assert seen == [("Pending", "Running"), ("Running", "Success")]
    assert objs == [w, w]


def test_task_handler_sees_retries() -> None:
    seen: list[Transition] = []
    calls: list[int] = []

    @task(max_retries=1, state_handlers=[recorder_handler(seen)])
    def flaky() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("once")

    with Flow("h") as flow:
        flaky()
    flow.run(clock=FakeClock())
    # Prefect 1's TaskRunner: the failed attempt is Failed first, then check_for_retry
    # moves it to Retrying; handlers are called on both transitions.
    assert seen == [
        ("Pending", "Running"),
        ("Running", "Failed"),
        ("Failed", "Retrying"),
        ("Retrying", "Running"),
        ("Running", "Success"),
    ]


def test_task_handler_sees_transitions_without_running() -> None:
    seen: list[Transition] = []

    @task
    def broken() -> None:
        raise ValueError("x")

    @task(state_handlers=[recorder_handler(seen)])
    def after(x: Any) -> None:
        return None

    with Flow("h") as flow:
        after(broken())
    flow.run()
    assert seen == [("Pending", "TriggerFailed")]


def test_handlers_chain_and_can_replace_the_new_state() -> None:
    seen_by_second: list[str] = []

    def downgrade(obj: Any, old: State, new: State) -> State | None:
        if isinstance(new, Success):
            return Skipped("not today after all", result=new.result)
        return None

    def second(obj: Any, old: State, new: State) -> None:
        seen_by_second.append(new.name)

    @task(state_handlers=[downgrade, second])
    def work() -> int:
        return 5

    @task
    def after(x: int) -> int:
        return x

    with Flow("replace") as flow:
        w = work()
        a = after(w)
    run = flow.run()
    assert run.task_run(w).state.name == "Skipped"
    assert run.task_run(w).history[-1].name == "Skipped"
    assert run.result(w) == 5
    assert seen_by_second == ["Running", "Skipped"]
    assert run.task_run(a).state.is_skipped()  # downstream reacts to the replaced state


def test_handler_replacing_retrying_stops_the_retries() -> None:
    calls: list[int] = []

    def no_retry(obj: Any, old: State, new: State) -> State | None:
        return Failed("not retrying today") if isinstance(new, Retrying) else None

    @task(max_retries=3, retry_delay=5, state_handlers=[no_retry])
    def flaky() -> None:
        calls.append(1)
        raise ConnectionError("down")

    with Flow("no-retry") as flow:
        f = flaky()
    clock = FakeClock()
    tr = flow.run(clock=clock).task_run(f)
    assert calls == [1]
    # The attempt's own Failed (Prefect 1 enters it before Retrying), then the handler's.
    assert [s.name for s in tr.history] == ["Running", "Failed", "Failed"]
    assert tr.state.message == "not retrying today"
    assert clock.slept == []


def test_handler_replacing_running_prevents_the_run() -> None:
    calls: list[int] = []

    def veto(obj: Any, old: State, new: State) -> State | None:
        return Skipped("vetoed") if new.is_running() else None

    @task(state_handlers=[veto])
    def guarded() -> int:
        calls.append(1)
        return 1

    with Flow("veto") as flow:
        g = guarded()
    tr = flow.run().task_run(g)
    assert calls == []
    assert tr.state.name == "Skipped" and tr.state.message == "vetoed"


def test_on_failure_sees_every_failed_attempt_and_ends_with_the_final_state() -> None:
    # Prefect 1: each failed attempt enters Failed before Retrying, and on_failure is a
    # state handler, so it is called once per attempt (here 1 run + 2 retries).
    calls: list[tuple[Any, State]] = []
    flow_calls: list[State] = []

    @task(max_retries=2, on_failure=lambda t, s: calls.append((t, s)))
    def always_fails() -> None:
        raise ConnectionError("down")

    with Flow("f", on_failure=lambda f, s: flow_calls.append(s)) as flow:
        t = always_fails()
    run = flow.run(clock=FakeClock())
    assert len(calls) == 3
    assert len(flow_calls) == 1  # the flow's handler (Marvin's alert) fires once, at the end
    obj, state = calls[-1]
    assert obj is t
    assert state is run.task_run(t).state
    assert isinstance(state, Failed)
    assert isinstance(state.exception, ConnectionError)


def test_on_failure_not_called_on_success() -> None:
    calls: list[Any] = []

    @task(on_failure=lambda t, s: calls.append(s))
    def fine() -> int:
        return 1

    with Flow("f") as flow:
        fine()
    flow.run()
    assert calls == []


def test_raising_handler_is_logged_and_the_run_continues(caplog: pytest.LogCaptureFixture) -> None:
    later: list[str] = []

    def bad(obj: Any, old: State, new: State) -> None:
        raise RuntimeError("handler broke")

    def good(obj: Any, old: State, new: State) -> None:
        later.append(new.name)

    @task(state_handlers=[bad, good])
    def work() -> int:
        return 3

    @task
    def after(x: int) -> int:
        return x + 1

    with Flow("robust", state_handlers=[bad]) as flow:
        w = work()
        a = after(w)
    with caplog.at_level(logging.ERROR, logger="marvin.engine"):
        run = flow.run()
    assert run.result(a) == 4
    assert run.state.is_successful()
    assert later == ["Running", "Success"]
    logs = run.task_run(w).logs
    assert any(e.level == "ERROR" and "handler broke" in e.message for e in logs)
    assert any("handler broke" in r.getMessage() for r in caplog.records)


def test_handler_returning_garbage_does_not_break_the_run() -> None:
    @task(state_handlers=[lambda t, o, n: "oops"])  # type: ignore[list-item,return-value]
    def work() -> int:
        return 1

    @task
    def after(x: int) -> int:
        return x

    with Flow("garbage") as flow:
        a = after(work())
    run = flow.run()
    assert run.result(a) == 1
    assert run.state.is_successful()


# Flow state handlers ---------------------------------------------------------------------
def test_flow_handler_sees_run_transitions() -> None:
    seen: list[Transition] = []
    objs: list[Any] = []

    def handler(obj: Any, old: State, new: State) -> None:
        objs.append(obj)
        seen.append((old.name, new.name))

    @task
    def work() -> int:
        return 1

    with Flow("fh", state_handlers=[handler]) as flow:
        work()
    run = flow.run()
    assert seen == [("Pending", "Running"), ("Running", "Success")]
    assert objs == [flow, flow]
    assert [s.name for s in run.history] == ["Running", "Success"]


def test_flow_handler_can_replace_the_final_state() -> None:
    @task
    def work() -> None:
        raise ValueError("x")

    def forgive(obj: Any, old: State, new: State) -> State | None:
        return Success("forgiven") if new.is_failed() else None

    with Flow("fh", state_handlers=[forgive]) as flow:
        work()
    run = flow.run()
    assert run.state.is_successful() and run.state.message == "forgiven"


def test_flow_on_failure_called_once() -> None:
    calls: list[tuple[Any, State]] = []

    @task
    def work() -> None:
        raise ValueError("x")

    with Flow("ff", on_failure=lambda f, s: calls.append((f, s))) as flow:
        work()
    run = flow.run()
    assert len(calls) == 1
    assert calls[0] == (flow, run.state)
    assert run.state.is_failed()


# Context -----------------------------------------------------------------------------
def test_context_inside_a_task() -> None:
    seen: list[dict[str, Any]] = []

    @task
    def inspect_ctx(member: str) -> None:
        ctx = get_context()
        seen.append(
            {
                "flow_run_id": ctx.flow_run_id,
                "flow_name": ctx.flow_name,
                "task_run_id": ctx.task_run_id,
                "task_name": ctx.task_name,
                "map_index": ctx.map_index,
                "parameters": ctx.parameters,
                "scheduled": ctx.scheduled_start_time,
                "run_count": ctx.run_count,
            }
        )

    with Flow("ctx") as flow:
        ch = Parameter("channel", default="#general")
        t = inspect_ctx.map(["ann", "bob"], upstream_tasks=[ch])
    scheduled = 1_767_600_000.0
    run = flow.run(parameters={"channel": "#testing"}, scheduled_start_time=scheduled)
    kids = run.task_run(t).children or []
    assert [s["map_index"] for s in seen] == [0, 1]
    for s, kid in zip(seen, kids, strict=True):
        assert s["flow_run_id"] == run.id
        assert s["flow_name"] == "ctx"
        assert s["task_run_id"] == kid.id
        assert s["task_name"] == "inspect_ctx"
        assert s["parameters"] == {"channel": "#testing"}
        assert s["scheduled"] == pendulum.from_timestamp(scheduled)
        assert s["run_count"] == 1
    assert seen[0]["task_run_id"] != seen[1]["task_run_id"]


def test_context_off_schedule_and_unmapped() -> None:
    @task
    def where() -> tuple[Any, Any]:
        ctx = get_context()
        return ctx.map_index, ctx.scheduled_start_time

    with Flow("ctx") as flow:
        w = where()
    assert flow.run().result(w) == (None, None)


def test_context_parameters_are_a_copy() -> None:
    @task
    def meddle() -> None:
        get_context().parameters["channel"] = "#hacked"

    with Flow("ctx") as flow:
        Parameter("channel", default="#general")
        meddle()
    run = flow.run()
    assert run.parameters == {"channel": "#general"}


def test_get_context_outside_a_task_raises() -> None:
    with pytest.raises(RuntimeError, match="inside a running task"):
        get_context()

    @task
    def uses_ctx() -> str:
        return get_context().task_name

    with pytest.raises(RuntimeError):
        uses_ctx.fn()


def test_logger_records_are_kept_on_that_task_run(caplog: pytest.LogCaptureFixture) -> None:
    @task
    def remind(member: str) -> None:
        log = get_context().logger
        log.info("reminding %s", member)
        if member == "bob":
            log.warning("bob is on holiday")

    @task
    def quiet() -> None:
        return None

    with Flow("logs") as flow:
        r = remind.map(["ann", "bob"])
        q = quiet()
    with caplog.at_level(logging.INFO, logger="marvin.task"):
        run = flow.run()
    ann, bob = run.task_run(r).children or []
    assert [(e.level, e.message) for e in ann.logs] == [("INFO", "reminding ann")]
    assert [(e.level, e.message) for e in bob.logs] == [
        ("INFO", "reminding bob"),
        ("WARNING", "bob is on holiday"),
    ]
    assert run.task_run(q).logs == []
    assert run.task_run(r).logs == []
    assert any("reminding ann" in rec.getMessage() for rec in caplog.records)


def test_log_timestamps_come_from_the_run_clock() -> None:
    @task
    def chatty() -> None:
        get_context().logger.info("hello")

    with Flow("logs") as flow:
        c = chatty()
    run = flow.run(clock=FakeClock(start=1_000.0))
    (entry,) = run.task_run(c).logs
    assert entry.timestamp == 1_000.0


def test_logger_accepts_the_stdlib_mapping_form() -> None:
    @task
    def chatty() -> None:
        get_context().logger.info("reminded %(member)s", {"member": "ann"})

    with Flow("logs") as flow:
        c = chatty()
    run = flow.run()
    assert run.task_run(c).state.is_successful()
    assert [e.message for e in run.task_run(c).logs] == ["reminded ann"]
