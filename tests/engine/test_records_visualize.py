"""Run records (FlowRun/TaskRun), the Recorder hook, and `flow.to_mermaid()`."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from marvin.engine import (
    FakeClock,
    Flow,
    FlowRun,
    Parameter,
    Recorder,
    Task,
    TaskRun,
    task,
)
from tests.engine.failing_tasks import after, broken


@task
def get_team() -> list[str]:
    return ["ann", "bob"]


@task
def remind(member: str) -> str:
    if member == "bob":
        raise ConnectionError("slack down")
    return f"reminded {member}"


@task(skip_on_upstream_skip=False, trigger=lambda states: True)
def report(results: list[Any], channel: str) -> str:
    return f"{channel}: {results}"


def build() -> tuple[Flow, Task, Task, Task]:
    with Flow("records") as flow:
        channel = Parameter("channel", default="#general")
        team = get_team()
        r = remind.map(team)
        rep = report(r, channel)
    flow.set_reference_tasks([r, rep])
    return flow, team, r, rep


# FlowRun / TaskRun -----------------------------------------------------------------------
def test_flow_run_fields() -> None:
    flow, *_ = build()
    clock = FakeClock(start=500.0, tick=1.0)
    run = flow.run(parameters={"channel": "#t"}, clock=clock, scheduled_start_time=450.0)
    assert isinstance(run, FlowRun)
    assert re.fullmatch(r"[0-9a-f]{32}", run.id)
    assert run.flow_name == "records"
    assert run.flow_version == flow.version
    assert run.parameters == {"channel": "#t"}
    assert run.scheduled_start_time == 450.0
    assert run.start_time is not None and run.end_time is not None
    assert 500.0 <= run.start_time < run.end_time
    assert run.state.is_failed()
    assert [s.name for s in run.history] == ["Running", "Failed"]
    assert "remind[1]" in (run.state.message or "")


def test_run_id_can_be_given_and_ids_are_unique() -> None:
    flow, *_ = build()
    assert flow.run(run_id="abc").id == "abc"
    assert len({flow.run().id for _ in range(5)}) == 5


def test_task_runs_and_all_task_runs() -> None:
    flow, team, r, rep = build()
    run = flow.run()
    assert [tr.task.slug for tr in run.task_runs] == ["channel", "get_team", "remind", "report"]
    everything = list(run.all_task_runs())
    assert [tr.name for tr in everything] == [
        "channel",
        "get_team",
        "remind",
        "remind[0]",
        "remind[1]",
        "report",
    ]
    ids = [tr.id for tr in everything]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith(run.id + "/") for i in ids)
    assert run.task_run(r).id == f"{run.id}/remind"
    assert (run.task_run(r).children or [])[1].id == f"{run.id}/remind[1]"


def test_task_run_fields() -> None:
    flow, team, r, rep = build()
    run = flow.run(clock=FakeClock(start=10.0, tick=1.0))
    tr = run.task_run(team)
    assert isinstance(tr, TaskRun)
    assert tr.task is team and tr.map_index is None and tr.flow_run is run
    assert tr.result == ["ann", "bob"]
    assert tr.run_count == 1
    assert tr.start_time is not None and tr.end_time is not None
    assert tr.start_time < tr.end_time
    assert tr.children is None
    kid = (run.task_run(r).children or [])[1]
    assert kid.map_index == 1 and kid.state.is_failed()
    assert isinstance(kid.state.exception, ConnectionError)  # type: ignore[attr-defined]
    assert kid.end_time is not None


def test_task_run_that_never_ran_has_no_start_time() -> None:
    with Flow("never") as flow:
        a = after(broken())
    tr = flow.run().task_run(a)
    assert tr.state.name == "TriggerFailed"
    assert tr.start_time is None
    assert tr.run_count == 0


def test_result_by_task_or_slug() -> None:
    flow, team, r, rep = build()
    run = flow.run()
    assert run.result(team) == run.result("get_team") == ["ann", "bob"]
    assert run.result(r) == ["reminded ann", None]
    assert run.result("channel") == "#general"
    assert run.result(rep) == "#general: ['reminded ann', None]"
    with pytest.raises(KeyError):
        run.result("nope")
    with pytest.raises(KeyError):
        run.task_run(get_team)  # the decorated original is not in the flow; its copy is


# Recorder ----------------------------------------------------------------------------------
class FakeRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def flow_run_started(self, run: FlowRun) -> None:
        self.events.append(("started", run.state.name))

    def task_run_finished(self, run: TaskRun) -> None:
        self.events.append(("task", (run.name, run.state.name)))

    def flow_run_finished(self, run: FlowRun) -> None:
        self.events.append(("finished", run.state.name))


def test_recorder_receives_every_event() -> None:
    flow, *_ = build()
    rec = FakeRecorder()
    as_protocol: Recorder = rec  # satisfies the protocol
    assert as_protocol is rec
    run = flow.run(recorder=rec)
    assert rec.events[0] == ("started", "Running")
    assert rec.events[-1] == ("finished", "Failed")
    tasks = [e[1] for e in rec.events[1:-1]]
    assert all(e[0] == "task" for e in rec.events[1:-1])
    assert sorted(tasks) == sorted((tr.name, tr.state.name) for tr in run.all_task_runs())
    assert ("remind", "Mapped") in tasks and ("remind[1]", "Failed") in tasks


def test_recorder_hears_about_parents_that_could_not_map() -> None:
    @task
    def broken() -> list[str]:
        raise ValueError("x")

    with Flow("nomap") as flow:
        remind.map(broken())
    rec = FakeRecorder()
    flow.run(recorder=rec)
    assert ("task", ("remind", "TriggerFailed")) in rec.events


def test_a_raising_recorder_does_not_break_the_run(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def flow_run_started(self, run: FlowRun) -> None:
            raise OSError("db down")

        def task_run_finished(self, run: TaskRun) -> None:
            raise OSError("db down")

        def flow_run_finished(self, run: FlowRun) -> None:
            raise OSError("db down")

    flow, team, r, rep = build()
    with caplog.at_level(logging.ERROR, logger="marvin.engine"):
        run = flow.run(recorder=Broken())
    assert run.result(team) == ["ann", "bob"]
    assert len(list(run.all_task_runs())) == 6
    assert run.state.is_failed()  # from remind[1], not from the recorder
    assert any("recorder" in r.getMessage() for r in caplog.records)


# Mermaid -------------------------------------------------------------------------------------
def test_to_mermaid_shape() -> None:
    flow, *_ = build()
    text = flow.to_mermaid()
    assert text.startswith("flowchart TD")
    for slug in ("channel", "get_team", "remind", "report"):
        assert f'["{slug}' in text
    assert "remind (mapped)" in text
    assert "t_get_team -.->|member| t_remind" in text  # mapped edge is dashed
    assert "t_remind -->|results| t_report" in text
    assert "classDef" not in text


def test_to_mermaid_colours_by_state_with_a_run() -> None:
    flow, *_ = build()
    run = flow.run()
    text = flow.to_mermaid(run)
    assert ":::Success" in text
    assert ":::Failed" in text  # the mapped task is coloured by its failed child
    assert "×2: 1 Failed, 1 Success" in text
    assert re.search(r"classDef Failed fill:#[0-9a-f]{6}", text)
    assert re.search(r"classDef Success fill:#[0-9a-f]{6}", text)


def test_to_mermaid_escapes_labels() -> None:
    @task(name='say "hi" <now>')
    def odd() -> None:
        return None

    with Flow("odd") as flow:
        odd()
    text = flow.to_mermaid()
    assert '"hi"' not in text and "<now>" not in text
    assert "#quot;hi#quot;" in text


def test_to_mermaid_node_ids_are_unique() -> None:
    @task(name="get-team")
    def a() -> int:
        return 1

    @task(name="get_team")
    def b() -> int:
        return 2

    with Flow("ids") as flow:
        a()
        b()
    ids = re.findall(r"^\s+(\S+)\[", flow.to_mermaid(), flags=re.M)
    assert len(ids) == 2 and len(set(ids)) == 2
