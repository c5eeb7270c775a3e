"""Prefect 1's control flow: switch, ifelse, merge over maps, apply_map, flatten, LOOP.

Each test names the Prefect 1 behaviour it pins (prefect.tasks.control_flow and
prefect.engine.signals in Prefect 1.4).
"""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import (
    LOOP,
    SKIP,
    Flow,
    Looped,
    Parameter,
    apply_map,
    case,
    flatten,
    get_context,
    ifelse,
    merge,
    switch,
    task,
    unmapped,
)
from marvin.engine.flow import FlowValidationError

RAN: list[str] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    RAN.clear()


@task
def value(x: Any) -> Any:
    return x


@task
def mark(name: str) -> str:
    RAN.append(name)
    return name


@task
def inc(x: int) -> int:
    return x + 1


@task
def double(x: int) -> int:
    return 2 * x


def test_switch_runs_only_the_matching_branch_and_skips_the_rest() -> None:
    # Prefect 1 `switch(condition, cases)`: the non-matching branches end Skipped, and
    # skips propagate to what depends on them.
    with Flow("switch") as flow:
        kind = value(Parameter("kind"))
        a, b, c = mark("a"), mark("b"), mark("c")
        after_b = mark.copy()(b)
        switch(kind, {"a": a, "b": b, "c": c})
    run = flow.run(parameters={"kind": "b"})
    assert sorted(RAN) == ["b", "b"]
    assert [run.task_run(t).state.name for t in (a, b, c)] == ["Skipped", "Success", "Skipped"]
    assert run.task_run(after_b).state.is_successful()


@pytest.mark.parametrize(("flag", "ran"), [(1, ["yes"]), ([], ["no"])])
def test_ifelse_follows_the_truth_of_the_condition(flag: Any, ran: list[str]) -> None:
    # Prefect 1 `ifelse` switches on bool(condition), not on `condition == True`.
    with Flow("ifelse") as flow:
        yes, no = mark("yes"), mark("no")
        ifelse(value(Parameter("flag")), yes, no)
        joined = merge(yes, no)
    run = flow.run(parameters={"flag": flag})
    assert RAN == ran
    assert run.result(joined) == ran[0]


@task
def is_even(x: int) -> bool:
    return x % 2 == 0


def test_a_mapped_ifelse_gates_each_item() -> None:
    # Prefect 1 `ifelse(..., mapped=True)` / `switch(..., mapped=True)`: the compare
    # task is mapped over the condition and each branch child follows its own item.
    with Flow("ifelse-map") as flow:
        xs = value([1, 2, 3, 4])
        evens, odds = double.map(xs), inc.map(xs)
        ifelse(is_even.map(xs), evens, odds, mapped=True)
        joined = merge(evens, odds, mapped=True)
    run = flow.run()
    assert [c.state.name for c in run.task_run(evens).children or []] == [
        "Skipped", "Success", "Skipped", "Success"]
    assert run.result(joined) == [2, 4, 4, 8]


def test_ifelse_with_one_side_only() -> None:
    with Flow("one-side") as flow:
        yes = mark("yes")
        ifelse(value(0), yes, None)
    run = flow.run()
    assert run.task_run(yes).state.is_skipped() and RAN == []


def test_switch_outside_a_flow_is_refused() -> None:
    with pytest.raises(ValueError, match="inside `with Flow"):
        switch(value, {1: mark})


@task
def keep_even(x: int) -> int:
    if x % 2:
        raise SKIP("odd")
    return x


@task
def keep_odd(x: int) -> int:
    if not x % 2:
        raise SKIP("even")
    return -x


def test_merge_over_mapped_branches_joins_item_by_item() -> None:
    # Prefect 1 `merge(..., mapped=True)`: child i takes the first non-skipped branch i.
    with Flow("merge-map") as flow:
        xs = value([1, 2, 3, 4])
        joined = merge(keep_even.map(xs), keep_odd.map(xs), mapped=True)
    run = flow.run()
    assert run.result(joined) == [-1, 2, -3, 4]
    assert run.state.is_successful()


def test_apply_map_maps_every_task_the_function_builds() -> None:
    # Prefect 1 `apply_map(func, *args)`: each task inside func becomes a mapped task,
    # so the whole function runs once per item, as a per-item pipeline.
    def pipeline(x: Any, offset: Any) -> Any:
        return double(inc(x))

    with Flow("apply") as flow:
        out = apply_map(pipeline, value([1, 2, 3]), unmapped(10))
    run = flow.run()
    assert run.result(out) == [4, 6, 8]
    assert flow.is_mapped(out)


def test_apply_map_turns_case_blocks_into_per_item_branches() -> None:
    # Prefect 1 docs, apply_map: "conditional logic inside the function is applied per item".
    @task
    def is_small(x: int) -> bool:
        return x < 3

    def classify(x: Any) -> Any:
        small = is_small(x)
        with case(small, True):
            low = inc(x)
        with case(small, False):
            high = double(x)
        return merge(low, high)

    with Flow("apply-case") as flow:
        out = apply_map(classify, [1, 2, 3, 4])
    run = flow.run()
    assert run.result(out) == [2, 3, 6, 8]


def test_apply_map_over_a_string_is_refused_at_build_time() -> None:
    with Flow("bad"), pytest.raises(FlowValidationError, match="cannot map"):
        apply_map(lambda x: inc(x), "abc")


def test_apply_map_needs_a_mapped_input() -> None:
    with Flow("none"), pytest.raises(ValueError, match="at least one mapped input"):
        apply_map(lambda x: inc(x), unmapped(1))


@task
def team_of(n: int) -> list[int]:
    return [n * 10 + i for i in range(n)]


def test_flatten_maps_over_the_items_of_a_mapped_tasks_lists() -> None:
    # Prefect 1 `flatten`: `inc.map(flatten(team_of.map([1, 2])))` maps over 3 items.
    with Flow("flatten") as flow:
        out = inc.map(flatten(team_of.map([1, 2])))
    run = flow.run()
    assert run.result(out) == [11, 21, 22]


def test_flatten_of_a_plain_list_and_of_a_non_list() -> None:
    assert flatten([[1], [], [2, 3]]) == [1, 2, 3]
    with pytest.raises(TypeError, match="list of lists"):
        flatten([1, [2]])


@task
def count_to(n: int) -> int:
    ctx = get_context()
    total = ctx.task_loop_result or 0
    if ctx.task_loop_count < n:
        raise LOOP(f"at {ctx.task_loop_count}", result=total + ctx.task_loop_count)
    return total + ctx.task_loop_count


def test_loop_reruns_the_task_with_task_loop_result() -> None:
    # Prefect 1 LOOP signal: each iteration is a Looped state of the same task run,
    # `task_loop_result`/`task_loop_count` carry the previous iteration.
    with Flow("loop") as flow:
        total = count_to(4)
    run = flow.run()
    task_run = run.task_run(total)
    assert task_run.state.is_successful() and task_run.result == 1 + 2 + 3 + 4
    loops = [s for s in task_run.history if isinstance(s, Looped)]
    assert [s.loop_count for s in loops] == [1, 2, 3]
    assert [s.result for s in loops] == [1, 3, 6]


def test_a_looping_task_gets_its_retries_on_every_iteration() -> None:
    attempts: list[int] = []

    @task(max_retries=1)
    def flaky_loop() -> int:
        ctx = get_context()
        attempts.append(ctx.run_count)
        if ctx.run_count == 1:
            raise RuntimeError("first attempt of each iteration fails")
        if ctx.task_loop_count < 2:
            raise LOOP(result=1)
        return 2

    with Flow("loop-retry") as flow:
        t = flaky_loop()
    run = flow.run()
    assert run.task_run(t).state.is_successful()
    assert attempts == [1, 2, 1, 2]
