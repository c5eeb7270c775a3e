"""Flows: functional and imperative APIs, validation before running, parameters, version."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from marvin.engine import Flow, FlowRun, FlowValidationError, Parameter, Task, task

CALLS: list[str] = []


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


@task
def get_date() -> str:
    CALLS.append("get_date")
    return "2026-01-05"


@task
def get_updates(date: str) -> dict[str, str]:
    CALLS.append("get_updates")
    return {"U1": f"did things on {date}"}


@task
def post(updates: dict[str, str], channel: str = "#general") -> str:
    CALLS.append("post")
    return f"{channel}: {len(updates)}"


@task
def cleanup() -> str:
    CALLS.append("cleanup")
    return "clean"


def standup() -> tuple[Flow, Task, Task, Task]:
    with Flow("standup") as flow:
        d = get_date()
        u = get_updates(d)
        p = post(u, channel="#testing")
    return flow, d, u, p


# Functional API --------------------------------------------------------------------------
def test_building_runs_nothing() -> None:
    flow, *_ = standup()
    assert CALLS == []
    assert len(flow.tasks) == 3


def test_functional_api_builds_data_edges() -> None:
    flow, d, u, p = standup()
    edges = {(e.upstream, e.downstream, e.key) for e in flow.edges}
    assert edges == {(d, u, "date"), (u, p, "updates")}
    assert flow.constants[p] == {"channel": "#testing"}
    assert flow.root_tasks() == [d]
    assert flow.terminal_tasks() == [p]


def test_functional_api_runs_in_dependency_order() -> None:
    flow, d, u, p = standup()
    run = flow.run()
    assert isinstance(run, FlowRun)
    assert CALLS == ["get_date", "get_updates", "post"]
    assert run.result(p) == "#testing: 1"
    assert run.state.is_successful()


def test_upstream_tasks_are_state_only_dependencies() -> None:
    with Flow("after") as flow:
        c = cleanup()
        p = post({"U1": "x"}, upstream_tasks=[c])
    (edge,) = flow.upstream_edges(p)
    assert (edge.upstream, edge.key) == (c, None)
    run = flow.run()
    assert CALLS == ["cleanup", "post"]
    assert run.result(p) == "#general: 1"


def test_a_task_used_twice_gets_two_slugs_and_two_runs() -> None:
    with Flow("twice") as flow:
        d1 = get_date()
        d2 = get_date()
        d3 = get_date()
    assert (d1.slug, d2.slug, d3.slug) == ("get_date", "get_date-2", "get_date-3")
    assert flow.get_task("get_date-2") is d2
    run = flow.run()
    assert CALLS == ["get_date"] * 3
    slugs = ("get_date", "get_date-2", "get_date-3")
    assert {tr.id for tr in run.task_runs} == {f"{run.id}/{s}" for s in slugs}
    assert run.result("get_date-3") == "2026-01-05"


def test_get_task_unknown_slug() -> None:
    flow, *_ = standup()
    with pytest.raises(KeyError, match="nope"):
        flow.get_task("nope")


def test_nested_flow_blocks_restore_the_outer_flow() -> None:
    with Flow("outer") as outer:
        with Flow("inner") as inner:
            i = get_date()
        o = get_date()
    assert i in inner.tasks and i not in outer.tasks
    assert o in outer.tasks and o not in inner.tasks


# Imperative API --------------------------------------------------------------------------
def test_imperative_api() -> None:
    flow = Flow("imperative")
    flow.add_task(get_date)
    flow.set_dependencies(get_updates, keyword_tasks={"date": get_date})
    flow.set_dependencies(cleanup, upstream_tasks=[get_updates])
    flow.set_dependencies(post, keyword_tasks={"updates": get_updates, "channel": "#x"})
    run = flow.run()
    assert run.result(post) == "#x: 1"
    assert CALLS.index("get_updates") < CALLS.index("cleanup")
    assert set(flow.terminal_tasks()) == {cleanup, post}


def test_imperative_downstream_tasks() -> None:
    flow = Flow("down")
    flow.set_dependencies(cleanup, downstream_tasks=[get_date])
    assert [e.upstream for e in flow.upstream_edges(get_date)] == [cleanup]
    flow.run()
    assert CALLS == ["cleanup", "get_date"]


def test_add_task_is_idempotent_and_type_checked() -> None:
    flow = Flow("f")
    assert flow.add_task(get_date) is get_date
    flow.add_task(get_date)
    assert list(flow.tasks) == [get_date]
    with pytest.raises(TypeError, match="expected a Task"):
        flow.add_task(lambda: 1)  # type: ignore[arg-type]


def test_upstream_tasks_must_be_tasks() -> None:
    flow = Flow("f")
    with pytest.raises(FlowValidationError, match="must be tasks"):
        flow.set_dependencies(get_date, upstream_tasks=["not a task"])


def test_input_set_twice_rejected() -> None:
    flow = Flow("f")
    flow.set_dependencies(get_updates, keyword_tasks={"date": get_date})
    with pytest.raises(FlowValidationError, match="already set"):
        flow.set_dependencies(get_updates, keyword_tasks={"date": cleanup})


# Rejected when building ------------------------------------------------------------------
def test_self_dependency_is_a_cycle() -> None:
    flow = Flow("loop")
    with pytest.raises(FlowValidationError, match="cycle"):
        flow.set_dependencies(cleanup, upstream_tasks=[cleanup])


def test_cycles_rejected_with_a_clear_error() -> None:
    a, b, c = (Task(name=n) for n in "abc")
    flow = Flow("loop")
    flow.set_dependencies(b, upstream_tasks=[a])
    flow.set_dependencies(c, upstream_tasks=[b])
    with pytest.raises(FlowValidationError, match=r"'a'.*'c'.*cycle"):
        flow.set_dependencies(a, upstream_tasks=[c])
    assert all(e.downstream is not a for e in flow.edges)


def test_unknown_inputs_rejected_when_building() -> None:
    with Flow("f") as flow, pytest.raises(ValueError, match="no input 'dates'"):
        get_updates(dates=get_date())
    with pytest.raises(FlowValidationError, match="'dates'.*it takes: date"):
        flow.set_dependencies(get_updates, keyword_tasks={"dates": "x"})


def test_missing_required_inputs_rejected_before_anything_runs() -> None:
    with Flow("missing") as flow:
        get_date()
        get_updates()
    with pytest.raises(FlowValidationError, match="'get_updates' is missing input.*date"):
        flow.run()
    assert CALLS == []


# Parameters ------------------------------------------------------------------------------
def channel_flow(**param_kwargs: Any) -> tuple[Flow, Task]:
    with Flow("channel") as flow:
        channel = Parameter("standup_channel", **param_kwargs)
        p = post(get_updates(get_date()), channel)
    return flow, p


def test_parameter_default_and_override() -> None:
    flow, p = channel_flow(default="#general")
    assert flow.run().result(p) == "#general: 1"
    run = flow.run(parameters={"standup_channel": "#testing"})
    assert run.result(p) == "#testing: 1"
    assert run.parameters == {"standup_channel": "#testing"}
    assert run.result("standup_channel") == "#testing"


def test_parameter_without_default_is_required() -> None:
    p = Parameter("x")
    assert p.required is True
    assert Parameter("y", default=None).required is False
    assert Parameter("z", default=1, required=True).required is True
    opt = Parameter("w", required=False)
    assert (opt.required, opt.default) == (False, None)


def test_missing_required_parameter_rejected_before_anything_runs() -> None:
    flow, _ = channel_flow()
    with pytest.raises(FlowValidationError, match="missing required parameter.*standup_channel"):
        flow.run()
    assert CALLS == []


def test_unknown_parameter_rejected_before_anything_runs() -> None:
    flow, _ = channel_flow(default="#general")
    with pytest.raises(FlowValidationError, match=r"unknown parameter.*chanel.*standup_channel"):
        flow.run(parameters={"chanel": "#typo"})
    assert CALLS == []


def test_optional_parameter_without_value_is_none() -> None:
    with Flow("opt") as flow:
        p = Parameter("team", required=False)
    run = flow.run()
    assert run.parameters == {"team": None}
    assert run.result(p) is None


def test_a_parameter_used_twice_is_one_input() -> None:
    with Flow("p") as flow:
        ch = Parameter("channel", default="#a")
        one = post({}, ch)
        two = post({"U": "x"}, ch)
    assert flow.parameters() == [ch]
    run = flow.run(parameters={"channel": "#b"})
    assert (run.result(one), run.result(two)) == ("#b: 0", "#b: 1")


def test_duplicate_parameter_names_rejected() -> None:
    with Flow("dup"), pytest.raises(FlowValidationError, match="already has.*'channel'"):
        Parameter("channel")
        Parameter("channel")


# Reference tasks -------------------------------------------------------------------------
def test_reference_tasks_default_to_terminal_tasks() -> None:
    flow, d, u, p = standup()
    assert flow.reference_tasks() == [p]


def test_explicit_reference_tasks() -> None:
    flow, d, u, p = standup()
    flow.set_reference_tasks([u])
    assert flow.reference_tasks() == [u]


def test_reference_task_must_be_in_the_flow() -> None:
    flow, *_ = standup()
    with pytest.raises(FlowValidationError, match="not in flow"):
        flow.set_reference_tasks([cleanup])


# Version ---------------------------------------------------------------------------------
def _module(tmp_path: Path, name: str, body: str) -> Any:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FLOW_SRC = """
from marvin.engine import Flow, task

@task
def work(x):
    return x {op} 1

def build():
    with Flow("versioned") as flow:
        work(1)
    return flow
"""


def test_version_is_stable_for_the_same_code() -> None:
    a, *_ = standup()
    b, *_ = standup()
    assert a.version == b.version
    assert len(a.version) == 12
    a.run()
    assert a.version == b.version


def test_version_changes_when_task_code_changes(tmp_path: Path) -> None:
    plus = _module(tmp_path, "marvin_test_version_plus", FLOW_SRC.format(op="+"))
    minus = _module(tmp_path, "marvin_test_version_minus", FLOW_SRC.format(op="-"))
    plus_again = _module(tmp_path, "marvin_test_version_plus2", FLOW_SRC.format(op="+"))
    assert plus.build().version != minus.build().version
    assert plus.build().version == plus_again.build().version


def test_version_changes_when_the_shape_changes() -> None:
    flow, *_ = standup()
    before = flow.version
    with flow:
        cleanup()
    assert flow.version != before


def test_run_records_the_flow_version() -> None:
    flow, *_ = standup()
    assert flow.run().flow_version == flow.version


def test_version_changes_when_a_constant_or_default_changes() -> None:
    def build(channel: str, default: str) -> Flow:
        with Flow("consts") as flow:
            p = Parameter("p", default=default)
            post({}, channel, upstream_tasks=[p])
        return flow

    assert build("#a", "x").version != build("#b", "x").version
    assert build("#a", "x").version != build("#a", "y").version


SET_FLOW_SRC = """
from marvin.engine import Flow, task

@task
def post(members):
    return sorted(members)

with Flow("set-constant") as flow:
    post({"ann", "bob", "cy", "dee", "eve"})
print(flow.version)
"""


def test_version_is_stable_across_processes(tmp_path: Path) -> None:
    script = tmp_path / "set_flow.py"
    script.write_text(SET_FLOW_SRC)
    root = str(Path(__file__).resolve().parents[2])
    versions = set()
    for seed in ("0", "1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        out = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
        )
        versions.add(out.stdout.strip())
    assert len(versions) == 1, versions


def test_repr() -> None:
    flow, *_ = standup()
    assert repr(flow) == "<Flow 'standup': 3 tasks>"


def test_version_reads_exactly_the_task_source() -> None:
    from marvin.engine.flow_version import source_of as _source_of

    def sample(x: int) -> int:
        y = x + 1
        return y * 2

    source = _source_of(sample)
    assert source.strip().startswith("def sample(x: int) -> int:")
    assert source.strip().endswith("return y * 2")
    assert "_source_of(sample)" not in source
