"""The shared executor scenarios on Dask (a LocalCluster of 2 processes), plus Dask specifics:
results that cannot travel, records equal to a local run's, recording in this process,
what workers do not share with the parent (context variables, clock).

The cluster is started once for the module (it costs seconds); each test's flow runs
enter and leave the same executor, as runs of `marvin serve` do.
"""

from __future__ import annotations

import contextvars
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from marvin.engine import (
    FakeClock,
    Flow,
    FlowRun,
    LocalExecutor,
    LocalResult,
    Parameter,
    TaskRun,
    all_finished,
    get_context,
    task,
)
from marvin.engine.carried import carry_to_workers
from marvin.engine.dask_executor import DaskExecutor
from tests.engine.test_executors import SHARED_SCENARIOS, _reminder_flow, get_team, join, shout


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    with DaskExecutor(n_workers=2, processes=True, threads_per_worker=1) as executor:
        yield executor


@pytest.mark.parametrize(
    "scenario", SHARED_SCENARIOS, ids=[s.__name__.removeprefix("test_") for s in SHARED_SCENARIOS]
)
def test_shared_scenario_on_dask(
    scenario: Callable[[DaskExecutor], None], dask_executor: DaskExecutor
) -> None:
    scenario(dask_executor)


# Results that cannot travel --------------------------------------------------------------
def test_a_result_that_cannot_be_pickled_fails_that_run_clearly(
    dask_executor: DaskExecutor,
) -> None:
    @task
    def send_reminder(member: str) -> Any:
        return threading.Lock() if member == "dee" else f"reminded {member}"

    @task(trigger=all_finished)
    def report(results: list[Any]) -> int:
        return sum(1 for r in results if r)

    with Flow("unpicklable") as flow:
        sent = send_reminder.map(get_team())
        r = report(sent)
    flow.set_reference_tasks([sent])
    run = flow.run(executor=dask_executor)
    kids = run.task_run(sent).children or []
    assert [k.state.name for k in kids] == ["Success", "Success", "Success", "Failed"]
    assert kids[3].state.message == (
        "result of send_reminder[3] could not be sent back from the Dask worker: "
        "cannot pickle '_thread.lock' object"
    )
    assert kids[3].result is None
    assert all(s.result is None for s in kids[3].history)  # nothing unpicklable kept
    assert run.result(r) == 3  # the downstream task saw a Failed child, not an error
    assert run.state.is_failed()


def test_an_exception_that_cannot_be_pickled_keeps_its_message(
    dask_executor: DaskExecutor,
) -> None:
    class Boom(Exception):
        def __init__(self) -> None:
            super().__init__("boom")
            self.lock = threading.Lock()

    @task
    def explode() -> None:
        raise Boom()

    with Flow("boom") as flow:
        e = explode()
    state = flow.run(executor=dask_executor).task_run(e).state
    assert state.name == "Failed"
    assert state.message == "Task raised: Boom: boom"
    assert repr(getattr(state, "exception", None)) == "RuntimeError('Boom: boom')"
    assert "Boom: boom" in (getattr(state, "traceback", "") or "")


# Records ----------------------------------------------------------------------------------
def _records(run: FlowRun) -> list[tuple[Any, ...]]:
    return [
        (
            tr.id,
            tr.name,
            tr.map_index,
            tr.run_count,
            tr.state.name,
            tr.state.message,
            tr.result,
            [(s.name, s.message, s.timestamp) for s in tr.history],
            [(e.level, e.message) for e in tr.logs],
        )
        for tr in run.all_task_runs()
    ]


def test_records_equal_a_local_runs(dask_executor: DaskExecutor) -> None:
    @task(max_retries=1)
    def logged(member: str | None) -> str:
        ctx = get_context()
        ctx.logger.info("attempt %s for %s", ctx.run_count, member)
        if ctx.run_count == 1 and member == "reminded ann":
            raise ConnectionError("hiccup")
        return f"{member}!"

    flow, res = _reminder_flow(fail_for="cy")
    with flow:
        logged.map(res)
    local = flow.run(executor=LocalExecutor(), clock=FakeClock(), run_id="r1")
    remote = flow.run(executor=dask_executor, clock=FakeClock(), run_id="r1")
    assert _records(remote) == _records(local)
    assert len(_records(remote)) == 18
    assert remote.state.message == local.state.message
    # the copies that came back are linked to this process's flow run and tasks
    flow_tasks = set(flow.tasks)
    for tr in remote.all_task_runs():
        assert tr.flow_run is remote
        assert tr.task in flow_tasks
    assert remote.task_run(res).children == remote.task_run("send_reminder").children
    expected = ["reminded ann!", None, None, None]
    assert remote.result("logged") == local.result("logged") == expected
    assert remote.task_run("logged").children[0].run_count == 2  # type: ignore[index]


def test_the_recorder_stays_in_this_process_and_sees_every_run(
    dask_executor: DaskExecutor,
) -> None:
    seen: list[tuple[str, int, str]] = []
    linked_to: list[FlowRun] = []

    class Rec:
        def flow_run_started(self, run: FlowRun) -> None:
            seen.append(("started", os.getpid(), run.id))

        def task_run_finished(self, task_run: TaskRun) -> None:
            linked_to.append(task_run.flow_run)
            seen.append(("task", os.getpid(), task_run.id))

        def flow_run_finished(self, run: FlowRun) -> None:
            seen.append(("finished", os.getpid(), run.id))

    @task
    def broken() -> list[str]:
        raise RuntimeError("no list")

    with Flow("rec") as flow:
        n = Parameter("n", default=1)
        join(shout.map(get_team()))
        shout.map(broken(), upstream_tasks=[n])  # a parent that cannot map: ends as a whole
    run = flow.run(executor=dask_executor, recorder=Rec())
    ids = [i for kind, _, i in seen if kind == "task"]
    assert sorted(ids) == sorted(tr.id for tr in run.all_task_runs())
    assert len(ids) == len(set(ids)) == 10  # each once: n, get_team, 4+1 shout, join, ...
    assert {pid for _, pid, _ in seen} == {os.getpid()}
    assert (seen[0][0], seen[-1][0]) == ("started", "finished")
    assert all(r is run for r in linked_to)  # recorded once linked to this process's run


# What workers do not share ------------------------------------------------------------------
def test_tasks_run_in_worker_processes(dask_executor: DaskExecutor) -> None:
    @task
    def pid(x: str) -> int:
        return os.getpid()

    with Flow("pids") as flow:
        p = pid.map(get_team())
    pids = flow.run(executor=dask_executor).result(p)
    assert os.getpid() not in pids


_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("test_var", default="unset")


def _read_var() -> str:
    """Module level, so pickled by reference: a worker imports this module (and _VAR)."""
    return _VAR.get()


def test_context_variables_are_not_seen_in_workers(dask_executor: DaskExecutor) -> None:
    read = task(_read_var)  # as Marvin's tasks read their services
    with Flow("ctxvar") as flow:
        r = read()
    token = _VAR.set("set by the caller")
    try:
        assert flow.run(executor=LocalExecutor()).result(r) == "set by the caller"
        assert flow.run(executor=dask_executor).result(r) == "unset"
    finally:
        _VAR.reset(token)


_NOTES: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("notes", default=None)


class _Carried:
    """Sets _VAR in the worker around each task run; brings back the pids noted there."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.arrived_here: list[list[int]] = []

    @contextmanager
    def on_worker(self) -> Iterator[list[int]]:
        notes: list[int] = []
        var, noted = _VAR.set(self.value), _NOTES.set(notes)
        try:
            yield notes
        finally:
            _VAR.reset(var)
            _NOTES.reset(noted)

    def arrived(self, notes: list[int]) -> None:
        self.arrived_here.append(notes)


def _read_var_and_note(member: str) -> str:
    notes = _NOTES.get()
    if notes is not None:
        notes.append(os.getpid())
    return _VAR.get()


def test_a_carried_value_reaches_the_workers_and_what_they_note_comes_back(
    dask_executor: DaskExecutor,
) -> None:
    read = task(_read_var_and_note)
    with Flow("carried") as flow:
        r = read.map(get_team())
    carried = _Carried("carried to the workers")

    with carry_to_workers(carried):
        local = flow.run(executor=LocalExecutor())
        remote = flow.run(executor=dask_executor)

    assert local.result(r) == ["unset"] * 4  # in-process runs do not use it
    assert remote.result(r) == ["carried to the workers"] * 4
    assert len(carried.arrived_here) == 4  # one note per mapped child, none from the parent
    assert all(len(notes) == 1 and notes[0] != os.getpid() for notes in carried.arrived_here)
    assert all(child.carried_back is None for child in remote.task_run(r).children or [])


def test_a_task_that_cannot_be_pickled_fails_clearly(dask_executor: DaskExecutor) -> None:
    lock = threading.Lock()

    @task
    def guarded(member: str) -> str:
        with lock:
            return member

    with Flow("unsendable") as flow:
        team = get_team()
        g = guarded.map(team)
        after = join(g)
        fine = join(shout.map(team))
    run = flow.run(executor=dask_executor)
    kids = run.task_run(g).children or []
    assert [k.state.message for k in kids] == [
        f"guarded[{i}] could not be sent to the Dask workers: cannot pickle '_thread.lock' object"
        for i in range(4)
    ]
    assert [k.run_count for k in kids] == [0, 0, 0, 0]
    assert all(k.flow_run is run for k in kids)
    assert run.task_run(after).state.name == "TriggerFailed"
    assert run.result(fine) == "ANN,BOB,CY,DEE"  # the rest of the flow ran


def test_a_fake_clock_pickles_into_an_independent_copy() -> None:
    clock = FakeClock(start=100.0, tick=1.0)
    clock.sleep(5)
    copy = pickle.loads(pickle.dumps(clock))
    assert (copy.now(), copy.slept) == (105.0, [5])
    copy.sleep(3)
    assert (clock.now(), clock.slept) == (105.0, [5])  # the original did not move


def test_timeouts_work_on_workers(dask_executor: DaskExecutor) -> None:
    import time

    @task(timeout=0.2)
    def slow() -> None:
        time.sleep(1.5)

    with Flow("timeout") as flow:
        s = slow()
    assert flow.run(executor=dask_executor).task_run(s).state.name == "TimedOut"


# The executor itself ------------------------------------------------------------------------
def test_submit_resolves_handles_also_in_lists(dask_executor: DaskExecutor) -> None:
    with dask_executor as ex:
        a = ex.submit(int, "2")
        b = ex.submit(lambda x, ys: x + sum(ys), a, [a, 3])
        c = ex.submit(sum, [a, b, 3])
        assert ex.result(c) == 12
        assert (ex.result(a), ex.result(b)) == (2, 7)


def test_concurrent_runs_share_one_executor(dask_executor: DaskExecutor) -> None:
    with Flow("concurrent") as flow:
        j = join(shout.map(get_team()))
    results: list[Any] = []

    def go() -> None:
        results.append(flow.run(executor=dask_executor).result(j))

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["ANN,BOB,CY,DEE"] * 2


def test_connects_to_an_existing_scheduler(dask_executor: DaskExecutor) -> None:
    address = dask_executor.client.scheduler.address
    with Flow("remote") as flow:
        j = join(shout.map(get_team()))
    executor = DaskExecutor(address)
    assert repr(executor) == f"DaskExecutor({address})"
    assert flow.run(executor=executor).result(j) == "ANN,BOB,CY,DEE"
    with pytest.raises(RuntimeError, match="not entered"):
        executor.client  # noqa: B018 - closed after the run
    assert flow.run(executor=dask_executor).result(j) == "ANN,BOB,CY,DEE"  # cluster still up


def test_validation_and_use_outside_with() -> None:
    with pytest.raises(ValueError, match="n_workers"):
        DaskExecutor(n_workers=0)
    with pytest.raises(ValueError, match="threads_per_worker"):
        DaskExecutor(threads_per_worker=0)
    executor = DaskExecutor()
    assert repr(executor) == "DaskExecutor(LocalCluster(2 x 1 processes))"
    with pytest.raises(RuntimeError, match="outside"):
        executor.submit(print)


def test_a_missing_dask_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    with pytest.raises(ImportError, match=r"pip install 'marvin-standup\[dask\]'"):
        DaskExecutor()


def test_the_engine_imports_without_dask() -> None:
    code = (
        "import sys, marvin.engine, marvin.engine.dask_executor\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# Task options in worker processes ---------------------------------------------------------
def test_task_options_work_in_worker_processes(
    dask_executor: DaskExecutor, tmp_path: Path
) -> None:
    # Steps travel with the task: names, printed lines, targets and caches in a
    # LocalResult (a shared directory) behave on workers as they do in this process.
    @task(log_stdout=True, task_run_name="greet-{name}")
    def greet(name: str) -> str:
        print(f"hello {name}")
        return name

    @task(result=LocalResult(tmp_path), target="sizes/{n}.json", cache_for=60)
    def size(n: int) -> int:
        return n * 10

    with Flow("options-on-dask") as flow:
        greeted = greet.map(["ann", "bob"])
        sized = size.map([1, 2])
    first = flow.run(executor=dask_executor)
    kids = first.task_run(greeted).children or []
    assert [k.name for k in kids] == ["greet-ann", "greet-bob"]
    assert [[e.message for e in k.logs] for k in kids] == [["hello ann"], ["hello bob"]]
    assert first.result(sized) == [10, 20]
    again = flow.run(executor=dask_executor)
    assert [k.state.name for k in again.task_run(sized).children or []] == ["Cached", "Cached"]
    assert again.result(sized) == [10, 20]
