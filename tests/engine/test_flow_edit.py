"""Editing built flows as Prefect 1 does: Flow.update, Flow.replace, Flow.copy."""

from __future__ import annotations

import pytest

from marvin.engine import Flow, FlowValidationError, Parameter, task
from marvin.engine.results import MemoryResult
from tests.engine.small_tasks import inc, one


@task
def shout(x: int) -> str:
    return f"{x}!"


def test_update_adds_the_other_flows_tasks_edges_and_constants() -> None:
    # Prefect 1 Flow.update(flow): tasks, edges and constants join this flow.
    with Flow("a") as a:
        x = inc(one())
    with Flow("b") as b:
        y = inc(41)
    a.update(b)
    assert y in a.tasks and a.constants[y] == {"x": 41}
    run = a.run()
    assert (run.result(x), run.result(y)) == (2, 42)


def test_update_keeps_slugs_so_tasks_are_found_by_either_flow() -> None:
    with Flow("a") as a:
        inc(1)
    with Flow("b") as b:
        second = inc(2)
        inc(3)
    a.update(b)
    assert len({t.slug for t in a.tasks}) == 3  # no two tasks share a slug
    assert a.get_task(second.slug) is second


def test_update_with_a_same_named_parameter_needs_merge_parameters() -> None:
    # Prefect 1: duplicate parameter names raise unless merge_parameters=True.
    with Flow("a") as a:
        pa = Parameter("n", default=1)
        ra = inc(pa)
    with Flow("b") as b:
        pb = Parameter("n", default=5)
        rb = inc(pb)
    with pytest.raises(FlowValidationError, match="'n'"):
        a.copy().update(b)
    a.update(b, merge_parameters=True)
    assert pb not in a.tasks and a.upstream_tasks(rb) == {pa}
    run = a.run(parameters={"n": 10})
    assert (run.result(ra), run.result(rb)) == (11, 11)


def test_replace_rewires_inputs_outputs_and_reference_role() -> None:
    # Prefect 1 Flow.replace(old, new): new takes old's edges; reference tasks follow.
    with Flow("r") as flow:
        start = one()
        old = inc(start)
        end = shout(old)
    flow.set_reference_tasks([old])
    new = inc.copy(name="inc_again")
    flow.replace(old, new)
    assert old not in flow.tasks and flow.upstream_tasks(new) == {start}
    assert flow.downstream_tasks(new) == {end}
    assert flow.reference_tasks() == [new]
    assert flow.run().result(end) == "2!"


def test_replace_keeps_constant_inputs_and_accepts_a_plain_value() -> None:
    with Flow("r") as flow:
        old = inc(41)
        end = shout(old)
    flow.replace(old, 7)  # a constant: Prefect 1 wraps it with as_task
    assert flow.run().result(end) == "7!"
    with Flow("c") as flow2:
        first = inc(41)
    replacement = inc.copy()
    flow2.replace(first, replacement)
    assert flow2.constants[replacement] == {"x": 41}
    assert flow2.run().result(replacement) == 42


def test_replace_of_a_task_not_in_the_flow_is_an_error() -> None:
    flow = Flow("r")
    with pytest.raises(ValueError, match="not found"):
        flow.replace(one.copy(), one.copy())


def test_copy_shares_tasks_but_not_the_graph() -> None:
    # Prefect 1 Flow.copy(): a new flow object; editing it leaves the original as it was.
    with Flow("orig") as flow:
        a = one()
        b = inc(a)
    clone = flow.copy()
    assert clone.tasks.keys() == flow.tasks.keys() and clone.name == "orig"
    extra = shout.copy()
    extra.bind(b, flow=clone)
    assert extra in clone.tasks and extra not in flow.tasks
    assert flow.downstream_tasks(b) == set() and clone.downstream_tasks(b) == {extra}
    assert clone.run().result(extra) == "2!"
    assert flow.run().result(b) == 2


def test_replace_with_a_task_lacking_an_input_changes_nothing() -> None:
    with Flow("r") as flow:
        old = inc(41)
    with pytest.raises(FlowValidationError, match="'x'"):
        flow.replace(old, one.copy())
    assert old in flow.tasks and flow.run().result(old) == 42


def test_replace_frees_the_input_names_of_the_removed_task() -> None:
    # After a replace, the new task's inputs can be rewired like any other's.
    with Flow("r") as flow:
        a = one()
        old = inc(a)
    new = inc.copy()
    flow.replace(old, new)
    with pytest.raises(FlowValidationError, match="already set"):
        flow.add_edge(one.copy(), new, key="x")  # taken over from `old`
    assert flow.run().result(new) == 2


def test_copies_get_numbered_slugs_around_names_already_taken() -> None:
    # Slugs resume where the last copy stopped (O(1) per add) and still skip any slug a
    # task was explicitly named with.
    with Flow("slugs") as flow:
        taken = inc.copy(name="inc-3")
        flow.add_task(taken)
        copies = [inc(i) for i in range(4)]
    assert [t.slug for t in copies] == ["inc", "inc-2", "inc-4", "inc-5"]
    assert taken.slug == "inc-3"


def test_copy_keeps_where_the_flow_checkpoints() -> None:
    result = MemoryResult()
    assert Flow("f", result=result).copy().result is result
