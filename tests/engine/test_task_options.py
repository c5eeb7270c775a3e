"""Task options: retry_on, task_run_name, log_stdout, DateTimeParameter, resource_manager.

Pinned against Prefect 1.4's Task arguments and prefect.tasks.core.resource_manager:
`retry_on` retries only the listed exception types; `task_run_name` is formatted with
the task's inputs and the run context; `log_stdout` turns prints into log lines; a
DateTimeParameter hands tasks a parsed datetime; a resource's cleanup runs whatever the
block did, provided setup succeeded.
"""

from __future__ import annotations

import threading
from typing import Any

import pendulum
import pytest

from marvin.engine import (
    DateTimeParameter,
    FakeClock,
    Flow,
    LocalResult,
    Parameter,
    ThreadExecutor,
    resource_manager,
    task,
    unmapped,
)

EVENTS: list[str] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    EVENTS.clear()


def test_retry_on_retries_only_the_listed_exception_types() -> None:
    calls: list[str] = []

    @task(max_retries=3, retry_on=ConnectionError)
    def fetch(kind: str) -> str:
        calls.append(kind)
        if kind == "network" and len(calls) < 3:
            raise ConnectionResetError("reset")  # a ConnectionError subclass: retried
        if kind == "bug":
            raise KeyError("no such key")  # not listed: fails at once
        return "ok"

    with Flow("retry-on") as flow:
        net, bug = fetch("network"), fetch("bug")
    run = flow.run(clock=FakeClock())
    assert run.task_run(net).state.is_successful() and run.task_run(net).run_count == 3
    assert run.task_run(bug).state.is_failed() and run.task_run(bug).run_count == 1


@pytest.mark.parametrize(("retry_on", "runs"), [(TimeoutError, 2), (ValueError, 1)])
def test_retry_on_sees_a_timeout_as_timeout_error(retry_on: type, runs: int) -> None:
    release = threading.Event()

    @task(timeout=0.05, max_retries=1, retry_on=retry_on)
    def hangs() -> None:
        release.wait(5)

    with Flow("timeout-retry-on") as flow:
        t = hangs()
    try:
        task_run = flow.run(clock=FakeClock()).task_run(t)
    finally:
        release.set()
    assert task_run.state.name == "TimedOut" and task_run.run_count == runs


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"cache_for": -1}, "cache_for must be positive"),
        ({"cache_validator": lambda *a: True}, "cache_validator needs cache_for"),
    ],
)
def test_bad_cache_options_are_refused_when_the_task_is_made(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        task(lambda: 1, **options)


def test_task_run_name_from_a_template_and_from_a_callable() -> None:
    @task(task_run_name="remind-{member}-{today}")
    def remind(member: str) -> str:
        return member

    @task(task_run_name=lambda **ctx: f"{ctx['flow_name']}:{ctx['map_index']}")
    def named(x: int) -> int:
        return x

    clock = FakeClock(start=pendulum.datetime(2026, 3, 2, 9).timestamp())
    with Flow("names") as flow:
        one = remind("ann")
        many = named.map([1, 2])
    run = flow.run(clock=clock)
    assert run.task_run(one).name == "remind-ann-2026-03-02"
    assert [c.name for c in run.task_run(many).children or []] == ["names:0", "names:1"]


def test_a_task_run_name_that_cannot_be_formatted_keeps_the_default_and_warns() -> None:
    @task(task_run_name="{nope}")
    def plain() -> int:
        return 1

    with Flow("bad-name") as flow:
        t = plain()
    task_run = flow.run().task_run(t)
    assert task_run.state.is_successful() and task_run.name == "plain"
    assert any("nope" in entry.message for entry in task_run.logs)


def test_log_stdout_keeps_prints_as_log_lines() -> None:
    @task(log_stdout=True)
    def chatty() -> int:
        print("hello")
        print("world")
        return 1

    with Flow("stdout") as flow:
        t = chatty()
    task_run = flow.run().task_run(t)
    assert [(e.level, e.message) for e in task_run.logs] == [("INFO", "hello"), ("INFO", "world")]


def test_log_stdout_keeps_each_threads_prints_on_its_own_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Tasks printing at the same moment in threads: each run keeps its own lines, and
    # prints outside any capturing task still reach stdout.
    @task(log_stdout=True)
    def shout(n: int) -> int:
        for i in range(50):
            print(f"{n}:{i}")
        return n

    with Flow("stdout-threads") as flow:
        out = shout.map(list(range(8)))
    run = flow.run(executor=ThreadExecutor(8))
    for child in run.task_run(out).children or []:
        n = child.result
        assert [e.message for e in child.logs] == [f"{n}:{i}" for i in range(50)]
    print("after the run")
    assert capsys.readouterr().out == "after the run\n"


@task
def weekday(when: Any) -> int:
    return int(when.isoweekday())


def test_datetime_parameter_parses_iso_strings() -> None:
    # Prefect 1 DateTimeParameter: the task receives pendulum.parse(value).
    with Flow("dt") as flow:
        when = DateTimeParameter("when")
        day = weekday(when)
    run = flow.run(parameters={"when": "2026-03-04T10:00:00+01:00"})
    assert run.result(day) == 3
    assert run.result(when) == pendulum.datetime(2026, 3, 4, 9)


def test_a_datetime_parameter_that_is_not_a_date_fails_the_run_not_the_process() -> None:
    with Flow("dt-bad") as flow:
        day = weekday(DateTimeParameter("when"))
    run = flow.run(parameters={"when": "next tuesday-ish"})
    assert run.state.is_failed()
    assert run.task_run("when").state.is_failed()
    assert run.task_run(day).state.name == "TriggerFailed"


def test_an_optional_datetime_parameter_may_be_none() -> None:
    with Flow("dt-none") as flow:
        when = DateTimeParameter("when", default=None, required=False)
    assert flow.run().result(when) is None


@resource_manager
class Session:
    def __init__(self, name: str) -> None:
        self.name = name

    def setup(self) -> str:
        EVENTS.append(f"setup {self.name}")
        return f"session:{self.name}"

    def cleanup(self, session: str) -> None:
        EVENTS.append(f"cleanup {session}")


@task
def use(session: str, x: int) -> str:
    EVENTS.append(f"use {x}")
    if x < 0:
        raise ValueError("negative")
    return f"{session}/{x}"


def test_resource_manager_sets_up_before_and_cleans_up_after_the_block() -> None:
    with Flow("resource") as flow:
        with Session(Parameter("name", default="db")) as session:
            out = use.map(unmapped(session), [1, 2])
    run = flow.run()
    assert EVENTS[0] == "setup db" and EVENTS[-1] == "cleanup session:db"
    assert run.result(out) == ["session:db/1", "session:db/2"]
    assert run.state.is_successful()


def test_cleanup_runs_when_the_block_fails_and_the_flow_still_fails() -> None:
    # Prefect 1 resource_cleanup_trigger: cleanup runs once the block finished, whatever
    # its outcome; the block's failure is what the flow reports.
    with Flow("resource-fail") as flow:
        with Session("db") as session:
            use(session, -1)
    run = flow.run()
    assert EVENTS == ["setup db", "use -1", "cleanup session:db"]
    assert run.state.is_failed()


def test_a_flow_result_does_not_checkpoint_the_resource(tmp_path: Any) -> None:
    # The manager object and its resource are not data: a flow-wide result keeps the
    # block's results, never them (JSON could not store them anyway).
    with Flow("resource-kept", result=LocalResult(tmp_path)) as flow:
        with Session("db") as session:
            use(session, 1)
    run = flow.run()
    assert run.state.is_successful()
    kept = sorted(p.parent.name for p in tmp_path.rglob("*") if p.is_file())
    assert kept == ["use"]


def test_no_cleanup_when_setup_failed() -> None:
    @resource_manager
    class Broken:
        def setup(self) -> None:
            raise OSError("cannot connect")

        def cleanup(self, resource: Any) -> None:
            EVENTS.append("cleanup")

    with Flow("resource-broken") as flow:
        with Broken() as resource:
            t = use(resource, 1)
    run = flow.run()
    assert EVENTS == []
    assert run.task_run("Broken.cleanup").state.is_skipped()
    assert run.task_run(t).state.name == "TriggerFailed"
    assert run.state.is_failed()


def test_a_resource_class_without_cleanup_is_refused() -> None:
    class NoCleanup:
        def setup(self) -> None: ...

    with pytest.raises(TypeError, match="cleanup"):
        resource_manager(NoCleanup)
