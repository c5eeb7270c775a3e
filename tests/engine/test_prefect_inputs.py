"""Inputs as Prefect 1 takes them: collections of tasks, `Task.bind`, mapped state-only
upstreams. Each test names the Prefect 1 behaviour it pins."""

from __future__ import annotations

from collections import deque, namedtuple
from typing import Any

import pytest

from marvin.engine import FAIL, Flow, FlowValidationError, Task, task, unmapped
from tests.engine.small_tasks import one, two


@task
def total(values: Any) -> Any:
    return sum(values)


@task
def echo(value: Any) -> Any:
    return value


@task
def double(x: int) -> int:
    return x * 2


# Prefect 1 `as_task` (prefect.utilities.tasks): a list/tuple/set/dict literal holding
# tasks becomes a List/Tuple/Set/Dict task (prefect.tasks.core.collections) bound to its
# members, so the receiving task gets the members' results.


def test_a_list_of_tasks_and_constants_gives_their_results() -> None:
    with Flow("list") as flow:
        a, b = one(), two()
        s = total([a, b, 3])
    run = flow.run()
    assert run.result(s) == 6
    (wrapper,) = flow.upstream_tasks(s)
    assert type(wrapper).__name__ == "List"
    assert flow.upstream_tasks(wrapper) == {a, b}  # the members are upstream tasks


def test_tuples_sets_and_dicts_of_tasks() -> None:
    with Flow("kinds") as flow:
        a, b = one(), two()
        t = echo((a, b))
        s = echo({a, b})
        d = echo({"a": a, b: "b-key"})  # a task as a dict key works too (Prefect 1's Dict)
    run = flow.run()
    assert run.result(t) == (1, 2)
    assert run.result(s) == {1, 2}
    assert run.result(d) == {"a": 1, 2: "b-key"}


def test_nested_collections_are_wrapped_at_every_depth() -> None:
    with Flow("nested") as flow:
        e = echo({"pair": [one(), (two(), 5)], "n": 7})
    assert flow.run().result(e) == {"pair": [1, (2, 5)], "n": 7}


def test_a_literal_without_tasks_stays_a_constant() -> None:
    with Flow("plain") as flow:
        s = total([1, 2, 3])
    assert flow.upstream_tasks(s) == set()
    assert flow.constants[s] == {"values": [1, 2, 3]}
    assert flow.run().result(s) == 6


def test_a_failed_member_fails_the_receiving_task_before_it_runs() -> None:
    @task
    def broken() -> int:
        raise FAIL("nope")

    with Flow("member-fails") as flow:
        s = total([one(), broken()])
    run = flow.run()
    assert run.task_run(s).state.name == "TriggerFailed"  # Prefect 1: upstream failure


def test_mapping_over_a_list_of_tasks_maps_over_their_results() -> None:
    # Prefect 1: `double.map([a, b])` maps over the List task's result.
    with Flow("map-list") as flow:
        d = double.map([one(), two()])
    assert flow.run().result(d) == [2, 4]


def test_unmapped_collections_of_tasks_are_wrapped_too() -> None:
    @task
    def pick(i: int, values: list[int]) -> int:
        return values[i]

    with Flow("unmapped-list") as flow:
        p = pick.map([0, 1], unmapped([one(), two()]))
    assert flow.run().result(p) == [1, 2]


@pytest.mark.parametrize("make", [lambda t: deque([t]), lambda t: namedtuple("Pair", "x y")(t, 1)])
def test_a_task_inside_another_container_is_refused_at_build_time(make: Any) -> None:
    # Prefect 1 would pass the Task object itself as a constant and fail at run time;
    # Marvin says so while building.
    with pytest.raises(FlowValidationError, match="holding tasks"):
        with Flow("hidden"):
            echo(make(one()))


# Prefect 1 `Task.bind` (prefect.core.task): binds *this* task (no copy) into the
# flow given or active, and returns the task.


def test_bind_adds_the_task_itself_to_the_active_flow() -> None:
    with Flow("bind") as flow:
        a = one()
        result = double.copy()
        returned = result.bind(x=a)
    assert returned is result and result in flow.tasks
    assert flow.run().result(result) == 2


def test_bind_with_an_explicit_flow_and_upstream_tasks() -> None:
    flow = Flow("imperative")
    a, b = one.copy(), double.copy()
    b.bind(3, upstream_tasks=[a], flow=flow)
    assert flow.upstream_tasks(b) == {a}
    assert flow.run().result(b) == 6


def test_bind_mapped_maps_like_map() -> None:
    with Flow("bind-map") as flow:
        d = double.copy().bind([1, 2, 3], mapped=True)
    assert flow.run().result(d) == [2, 4, 6]


def test_bind_outside_a_flow_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside a flow"):
        double.copy().bind(1)


# Prefect 1 `Flow.set_dependencies(..., mapped=True)`: upstream_tasks of a mapped task
# are mapped edges too unless `unmapped`, so child i waits only for child i upstream.


@task
def maybe_fail(x: int) -> int:
    if x == 2:
        raise FAIL("item 2 failed")
    return x


@task
def send(x: int) -> int:
    return x * 10


def test_a_failed_mapped_state_only_upstream_fails_only_its_item() -> None:
    with Flow("per-item") as flow:
        m = maybe_fail.map([1, 2, 3])
        s = send.map([1, 2, 3], upstream_tasks=[m])
    run = flow.run()
    children = run.task_run(s).children
    assert children is not None
    assert [c.state.name for c in children] == ["Success", "TriggerFailed", "Success"]
    assert [c.result for c in children] == [10, None, 30]


def test_unmapped_state_only_upstream_waits_for_every_child() -> None:
    with Flow("whole") as flow:
        m = maybe_fail.map([1, 2, 3])
        s = send.map([1, 2, 3], upstream_tasks=[unmapped(m)])
    run = flow.run()
    assert run.task_run(s).state.name == "TriggerFailed"  # as a whole, no children


def test_a_state_only_upstream_that_is_not_mapped_is_waited_for_whole() -> None:
    # Deliberate difference: Prefect 1 would map over a plain task's result here.
    with Flow("plain-up") as flow:
        a = one()
        s = send.map([1, 2], upstream_tasks=[a])
    assert [e.mapped for e in flow.edges_to(s) if e.key is None] == [False]
    assert flow.run().result(s) == [10, 20]


def test_task_subclass_inputs_work_with_collections() -> None:
    class Join(Task):
        def run(self, parts: list[str]) -> str:
            return "-".join(parts)

    @task
    def word() -> str:
        return "hi"

    with Flow("subclass") as flow:
        j = Join()([word(), "there"])
    assert flow.run().result(j) == "hi-there"
