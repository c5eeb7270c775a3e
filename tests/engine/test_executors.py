"""The same scenarios on the sequential and the thread-pool executor, plus thread specifics.

The shared scenarios (`SHARED_SCENARIOS`) take any executor: `test_dask_executor.py` runs
them on Dask too, so they must not depend on memory shared with the task runs except
where they say so (`executor.runs_remotely`).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from marvin.engine import (
    Executor,
    FakeClock,
    Flow,
    FlowRun,
    LocalExecutor,
    Retrying,
    Task,
    TaskRun,
    ThreadExecutor,
    all_finished,
    any_failed,
    get_context,
    task,
    unmapped,
)
from tests.engine.reminder_tasks import is_reminder_needed


@pytest.fixture(params=["local", "threads", "one-thread"])
def executor(request: pytest.FixtureRequest) -> Executor:
    """Sequential; a pool of 4; a pool of 1 (a FIFO pool must not deadlock on chained maps)."""
    if request.param == "local":
        return LocalExecutor()
    return ThreadExecutor(max_workers=4 if request.param == "threads" else 1)


def states(run: FlowRun, t: Task) -> list[str]:
    return [c.state.name for c in run.task_run(t).children or []]


@task
def get_team() -> list[str]:
    return ["ann", "bob", "cy", "dee"]


@task
def shout(x: str) -> str:
    return x.upper()


@task
def join(xs: list[str]) -> str:
    return ",".join(xs)


# Shared scenarios ----------------------------------------------------------------------
def test_mapping_chain_and_reduce(executor: Executor) -> None:
    @task
    def tag(x: str) -> str:
        return f"<{x}>"

    with Flow("map") as flow:
        tagged = tag.map(shout.map(get_team()))
        j = join(tagged)
    run = flow.run(executor=executor)
    assert run.result(tagged) == ["<ANN>", "<BOB>", "<CY>", "<DEE>"]
    assert run.result(j) == "<ANN>,<BOB>,<CY>,<DEE>"
    assert [c.map_index for c in run.task_run(tagged).children or []] == [0, 1, 2, 3]
    assert run.state.is_successful()


def test_mismatch_and_failed_upstream(executor: Executor) -> None:
    @task
    def broken() -> list[str]:
        raise RuntimeError("no team")

    @task
    def pair(a: str, b: str) -> str:
        return a + b

    with Flow("bad") as flow:
        mismatch = pair.map(get_team(), ["x"])
        after_broken = shout.map(broken())
    run = flow.run(executor=executor)
    assert "different lengths" in (run.task_run(mismatch).state.message or "")
    assert run.task_run(after_broken).state.name == "TriggerFailed"
    assert run.state.is_failed()


def _reminder_flow(fail_for: str | None = None, fail_report: bool = False) -> tuple[Flow, Task]:
    @task
    def get_updates() -> dict[str, str]:
        return {"bob": "shipped", "dee": "reviewed"}

    @task
    def send_reminder(member: str) -> str:
        if member == fail_for:
            raise ConnectionError("slack down")
        return f"reminded {member}"

    @task(skip_on_upstream_skip=False)
    def report(results: list[str | None]) -> int:
        if fail_report:
            raise RuntimeError("report broke")
        return sum(1 for r in results if r)

    with Flow("reminder") as flow:
        team = get_team()
        needed = is_reminder_needed.map(team, unmapped(get_updates()))
        res = send_reminder.map(needed)
        report(res)
    flow.set_reference_tasks([res])
    return flow, res


def test_skip_propagation_per_item(executor: Executor) -> None:
    flow, res = _reminder_flow()
    run = flow.run(executor=executor)
    assert states(run, res) == ["Success", "Skipped", "Success", "Skipped"]
    assert run.result("report") == 2
    assert run.state.is_successful()


def test_reference_tasks(executor: Executor) -> None:
    flow, _ = _reminder_flow(fail_report=True)
    assert flow.run(executor=executor).state.is_successful()
    flow, res = _reminder_flow(fail_for="cy")
    run = flow.run(executor=executor)
    assert states(run, res) == ["Success", "Skipped", "Failed", "Skipped"]
    assert run.state.is_failed()


def test_per_child_retries(executor: Executor) -> None:
    attempts: dict[str, int] = {}  # one key per child, whose attempts run one at a time

    @task(max_retries=2, retry_delay=3)
    def flaky(member: str) -> str:
        attempts[member] = n = attempts.get(member, 0) + 1
        if member in ("bob", "dee") and n < 2:
            raise ConnectionError("hiccup")
        return member

    with Flow("retries") as flow:
        f = flaky.map(get_team())
    clock = FakeClock()
    run = flow.run(executor=executor, clock=clock)
    kids = run.task_run(f).children or []
    assert [k.run_count for k in kids] == [1, 2, 1, 2]
    retrying = [s for k in kids for s in k.history if isinstance(s, Retrying)]
    assert [s.start_time - s.timestamp for s in retrying] == [3.0, 3.0]
    if executor.runs_remotely:  # workers count and sleep on their own copies
        assert attempts == {}
        assert clock.slept == []
    else:
        assert attempts == {"ann": 1, "bob": 2, "cy": 1, "dee": 2}
        assert clock.slept == [3.0, 3.0]
    assert run.result(f) == ["ann", "bob", "cy", "dee"]


def test_triggers(executor: Executor) -> None:
    @task
    def broken(x: Any) -> None:
        raise ValueError("x")

    @task(trigger=any_failed)
    def alert(x: Any) -> str:
        return "alerted"

    @task(trigger=all_finished)
    def cleanup(x: Any, y: Any) -> str:
        return "cleaned"

    @task(trigger=any_failed)
    def not_needed(x: Any) -> str:
        return "should not run"

    with Flow("triggers") as flow:
        team = get_team()
        b = broken(team)
        a = alert(b)
        c = cleanup(b, team)
        n = not_needed(team)
    run = flow.run(executor=executor)
    assert run.result(a) == "alerted"
    assert run.result(c) == "cleaned"
    assert run.task_run(n).state.name == "TriggerFailed"


def test_context_and_logs_per_child(executor: Executor) -> None:
    @task
    def who(member: str) -> tuple[int | None, str]:
        ctx = get_context()
        ctx.logger.info("child %s is %s", ctx.map_index, member)
        return ctx.map_index, ctx.task_run_id

    with Flow("ctx") as flow:
        w = who.map(get_team())
    run = flow.run(executor=executor)
    kids = run.task_run(w).children or []
    for i, kid in enumerate(kids):
        assert kid.result == (i, kid.id)
        assert [e.message for e in kid.logs] == [f"child {i} is {get_team.fn()[i]}"]


def test_recorder_sees_every_task_run(executor: Executor) -> None:
    lock = threading.Lock()
    finished: list[str] = []

    class Rec:
        def flow_run_started(self, run: FlowRun) -> None:
            pass

        def task_run_finished(self, task_run: TaskRun) -> None:
            with lock:
                finished.append(task_run.name)

        def flow_run_finished(self, run: FlowRun) -> None:
            pass

    with Flow("rec") as flow:
        join(shout.map(get_team()))
    run = flow.run(executor=executor, recorder=Rec())
    assert sorted(finished) == sorted(tr.name for tr in run.all_task_runs())
    assert len(finished) == 7


SHARED_SCENARIOS = [
    test_mapping_chain_and_reduce,
    test_mismatch_and_failed_upstream,
    test_skip_propagation_per_item,
    test_reference_tasks,
    test_per_child_retries,
    test_triggers,
    test_context_and_logs_per_child,
    test_recorder_sees_every_task_run,
]
"""Scenarios that take any executor (other executors' tests run them too)."""


# Thread specifics --------------------------------------------------------------------------
def test_thread_executor_runs_tasks_on_worker_threads() -> None:
    @task
    def where(x: Any) -> str:
        return threading.current_thread().name

    with Flow("threads") as flow:
        w = where.map(get_team())
    run = flow.run(executor=ThreadExecutor(max_workers=2))
    names = run.result(w)
    assert all(n.startswith("marvin") for n in names)
    assert threading.current_thread().name not in names


def test_local_executor_runs_in_the_calling_thread_in_order() -> None:
    order: list[str] = []

    @task
    def where(x: str) -> str:
        order.append(x)
        return threading.current_thread().name

    with Flow("local") as flow:
        w = where.map(get_team())
    run = flow.run(executor=LocalExecutor())
    assert set(run.result(w)) == {threading.current_thread().name}
    assert order == ["ann", "bob", "cy", "dee"]


def test_thread_executor_overlaps_up_to_max_workers() -> None:
    barrier = threading.Barrier(2, timeout=5)
    lock = threading.Lock()
    active = [0]
    peak = [0]

    @task
    def meet(x: str) -> str:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        try:
            barrier.wait()  # only passes if two children run at the same time
        finally:
            with lock:
                active[0] -= 1
        return x

    with Flow("overlap") as flow:
        m = meet.map(get_team())
    run = flow.run(executor=ThreadExecutor(max_workers=2))
    assert states(run, m) == ["Success"] * 4
    assert peak[0] == 2


def test_thread_executor_pipelines_per_item() -> None:
    """Downstream child 1 finishes while upstream child 0 is still running."""
    down1_done = threading.Event()
    events: list[str] = []
    lock = threading.Lock()

    @task
    def upstream(i: int) -> int:
        if i == 0:
            saw = down1_done.wait(timeout=5)
            with lock:
                events.append(f"up0 saw down1: {saw}")
        with lock:
            events.append(f"up{i} done")
        return i

    @task
    def downstream(i: int) -> int:
        with lock:
            events.append(f"down{i} done")
        if i == 1:
            down1_done.set()
        return i * 10

    with Flow("pipeline") as flow:
        d = downstream.map(upstream.map([0, 1]))
    run = flow.run(executor=ThreadExecutor(max_workers=4))
    assert run.result(d) == [0, 10]
    assert "up0 saw down1: True" in events
    assert events.index("down1 done") < events.index("up0 done") < events.index("down0 done")


def test_thread_executor_validation_and_reuse() -> None:
    with pytest.raises(ValueError, match="max_workers"):
        ThreadExecutor(max_workers=0)
    ex = ThreadExecutor(max_workers=2)
    with pytest.raises(RuntimeError, match="outside"):
        ex.submit(print)
    with Flow("reuse") as flow:
        j = join(shout.map(get_team()))
    assert flow.run(executor=ex).result(j) == flow.run(executor=ex).result(j) == "ANN,BOB,CY,DEE"


def test_thread_executor_resolves_handles() -> None:
    with ThreadExecutor(max_workers=2) as ex:
        a = ex.submit(lambda: 2)
        b = ex.submit(lambda x, ys: x + sum(ys), a, [a, 3])
        assert ex.result(b) == 7
