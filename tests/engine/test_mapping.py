"""Mapping: one child task run per item, each with its own state, retries and map_index."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.engine import (
    FAIL,
    SKIP,
    FakeClock,
    Flow,
    FlowValidationError,
    Parameter,
    Task,
    any_failed,
    get_context,
    task,
    unmapped,
)


@task
def get_team() -> list[str]:
    return ["ann", "bob", "cy"]


@task
def double(x: Any) -> Any:
    return x * 2


@task
def add(x: int, y: int) -> int:
    return x + y


@task
def total(xs: list[int]) -> int:
    return sum(xs)


def children(run: Any, t: Task) -> list[Any]:
    kids: list[Any] | None = run.task_run(t).children
    assert kids is not None, f"{t.slug} was not mapped"
    return kids


def test_map_over_an_upstream_list() -> None:
    with Flow("m") as flow:
        d = double.map(get_team())
    run = flow.run()
    parent = run.task_run(d)
    assert parent.state.is_mapped()
    assert [c.map_index for c in parent.children or []] == [0, 1, 2]
    assert [c.state.result for c in parent.children or []] == ["annann", "bobbob", "cycy"]
    assert run.result(d) == ["annann", "bobbob", "cycy"]
    assert [c.name for c in children(run, d)] == ["double[0]", "double[1]", "double[2]"]
    assert run.state.is_successful()


def test_parent_mapped_state_lists_child_states() -> None:
    with Flow("m") as flow:
        d = double.map([1, 2])
    state = flow.run().task_run(d).state
    assert [s.name for s in state.children] == ["Success", "Success"]  # type: ignore[attr-defined]
    assert "2" in (state.message or "")


def test_map_over_constants_and_unmapped_constants() -> None:
    with Flow("c") as flow:
        a = add.map([1, 2, 3], unmapped(10))
        t = add.map(x=(1, 2), y=range(10, 12))
    run = flow.run()
    assert run.result(a) == [11, 12, 13]
    assert run.result(t) == [11, 13]


def test_unmapped_task_goes_whole_to_every_child() -> None:
    @task
    def pair(member: str, team: list[str]) -> str:
        return f"{member}/{len(team)}"

    with Flow("u") as flow:
        team = get_team()
        p = pair.map(team, unmapped(team))
    assert flow.run().result(p) == ["ann/3", "bob/3", "cy/3"]


def test_map_over_a_parameter() -> None:
    with Flow("p") as flow:
        d = double.map(Parameter("items", default=[1]))
    assert flow.run(parameters={"items": [4, 5]}).result(d) == [8, 10]


def test_scalar_constant_goes_whole_to_every_child() -> None:
    with Flow("scalar") as flow:
        a = add.map([1, 2], 10)
    assert flow.run().result(a) == [11, 12]


@pytest.mark.parametrize("bad", ["abc", {"a": 1}, b"xy"])
def test_mapping_over_text_or_dict_constants_rejected_when_building(bad: Any) -> None:
    with Flow("bad"), pytest.raises(FlowValidationError, match="cannot map over input 'x'"):
        double.map(bad)


def test_chained_maps_are_per_item_pipelines() -> None:
    order: list[str] = []

    @task
    def first(x: int) -> int:
        order.append(f"first[{get_context().map_index}]")
        return x + 1

    @task
    def second(x: int) -> int:
        order.append(f"second[{get_context().map_index}]")
        return x * 10

    with Flow("chain") as flow:
        s = second.map(first.map([1, 2, 3]))
    run = flow.run()
    assert run.result(s) == [20, 30, 40]
    assert sorted(order) == sorted(f"{n}[{i}]" for n in ("first", "second") for i in range(3))
    # child i of `second` used child i of `first`
    assert [c.map_index for c in children(run, s)] == [0, 1, 2]


def test_a_failed_child_only_breaks_its_own_pipeline() -> None:
    @task
    def check(x: int) -> int:
        if x == 2:
            raise ValueError("two")
        return x

    with Flow("chain") as flow:
        s = double.map(check.map([1, 2, 3]))
    run = flow.run()
    names = [c.state.name for c in children(run, s)]
    assert names == ["Success", "TriggerFailed", "Success"]
    assert run.result(s) == [2, None, 6]
    assert run.state.is_failed()


def test_a_skipped_child_skips_its_downstream_child_only() -> None:
    @task
    def maybe(x: int) -> int:
        if x == 1:
            raise SKIP("one")
        return x

    with Flow("skip") as flow:
        s = double.map(maybe.map([1, 2]))
    run = flow.run()
    assert [c.state.name for c in children(run, s)] == ["Skipped", "Success"]
    assert run.state.is_successful()


def test_empty_list_maps_to_zero_children_and_succeeds() -> None:
    calls: list[int] = []

    @task
    def nobody() -> list[str]:
        return []

    @task
    def remind(m: str) -> None:
        calls.append(1)

    with Flow("empty") as flow:
        first = double.map(nobody())
        second = remind.map(first)
        t = total(first)
    run = flow.run()
    assert children(run, first) == [] and children(run, second) == []
    assert run.task_run(first).state.is_mapped()
    assert run.result(t) == 0
    assert calls == []
    assert run.state.is_successful()


def test_mismatched_lengths_give_a_clear_error() -> None:
    @task
    def two() -> list[int]:
        return [1, 2]

    with Flow("mismatch") as flow:
        a = add.map(two(), [1, 2, 3])
    run = flow.run()
    state = run.task_run(a).state
    assert state.is_failed()
    assert "different lengths" in (state.message or "")
    assert "two: 2" in (state.message or "") and "y: 3" in (state.message or "")
    assert run.task_run(a).children is None
    assert run.state.is_failed()


def test_mismatched_lengths_when_an_input_is_named_like_an_upstream_task() -> None:
    @task
    def y() -> list[int]:
        return [10, 20]

    with Flow("collide") as flow:
        a = add.map(x=y(), y=[1, 2, 3])
    run = flow.run()
    assert run.task_run(a).state.is_failed()
    assert "different lengths" in (run.task_run(a).state.message or "")


@pytest.mark.parametrize("value", [42, "text", {"a": 1}, None])
def test_mapping_over_a_non_list_result_fails_the_mapped_task(value: Any) -> None:
    @task
    def produce() -> Any:
        return value

    with Flow("nonlist") as flow:
        p = produce()
        d = double.map(p)
    run = flow.run()
    state = run.task_run(d).state
    assert state.is_failed()
    assert "expected a list" in (state.message or "")
    assert run.task_run(p).state.is_successful()


def test_mapping_over_a_failed_upstream() -> None:
    @task
    def broken() -> list[int]:
        raise RuntimeError("no team")

    with Flow("failed") as flow:
        d = double.map(broken())
        dd = double.map(d)
    run = flow.run()
    assert run.task_run(d).state.name == "TriggerFailed"
    assert run.task_run(dd).state.name == "TriggerFailed"
    assert run.task_run(d).children is None
    assert run.state.is_failed()


def test_mapping_over_a_skipped_upstream_skips() -> None:
    @task
    def nothing() -> list[int]:
        raise SKIP("weekend")

    with Flow("skipped") as flow:
        d = double.map(nothing())
        dd = double.map(d)
    run = flow.run()
    assert run.task_run(d).state.name == "Skipped"
    assert run.task_run(dd).state.name == "Skipped"
    assert run.state.is_successful()


def test_reduce_task_receives_the_list_of_children_results() -> None:
    with Flow("reduce") as flow:
        t = total(double.map([1, 2, 3]))
    assert flow.run().result(t) == 12


def test_reduce_after_a_failed_child_does_not_run() -> None:
    @task
    def check(x: int) -> int:
        if x == 2:
            raise FAIL("bad item")
        return x

    with Flow("reduce") as flow:
        t = total(check.map([1, 2, 3]))
    run = flow.run()
    assert run.task_run(t).state.name == "TriggerFailed"


def test_each_child_retries_on_its_own() -> None:
    attempts: dict[int, int] = {}

    @task(max_retries=2, retry_delay=5)
    def flaky(x: int) -> int:
        i = get_context().map_index
        assert i is not None
        attempts[i] = attempts.get(i, 0) + 1
        if x == 2 and attempts[i] < 3:
            raise ConnectionError("slack hiccup")
        return x

    with Flow("retry") as flow:
        f = flaky.map([1, 2, 3])
    clock = FakeClock()
    run = flow.run(clock=clock)
    kids = children(run, f)
    assert [k.run_count for k in kids] == [1, 3, 1]
    assert attempts == {0: 1, 1: 3, 2: 1}
    assert [s.name for s in kids[1].history].count("Retrying") == 2
    assert clock.slept == [5.0, 5.0]
    assert run.result(f) == [1, 2, 3]


def test_triggers_apply_per_child() -> None:
    @task
    def send(x: int) -> int:
        if x == 2:
            raise ValueError("no")
        return x

    @task(trigger=any_failed)
    def alert(x: Any) -> str:
        return "alerted"

    with Flow("per-child trigger") as flow:
        a = alert.map(send.map([1, 2, 3]))
    run = flow.run()
    assert [c.state.name for c in children(run, a)] == ["TriggerFailed", "Success", "TriggerFailed"]
    assert run.result(a) == [None, "alerted", None]


def test_children_see_their_own_map_index() -> None:
    @task
    def where(x: str) -> tuple[int | None, str]:
        return get_context().map_index, x

    @task
    def plain() -> int | None:
        return get_context().map_index

    with Flow("idx") as flow:
        w = where.map(["a", "b"])
        p = plain()
    run = flow.run()
    assert run.result(w) == [(0, "a"), (1, "b")]
    assert run.result(p) is None


def test_upstream_tasks_of_a_mapped_task_are_not_mapped() -> None:
    with Flow("state-only") as flow:
        team = get_team()
        d = double.map([1, 2], upstream_tasks=[team])
    assert [e.mapped for e in flow.upstream_edges(d)] == [False]
    assert flow.run().result(d) == [2, 4]


def test_is_mapped_on_the_flow() -> None:
    with Flow("x") as flow:
        team = get_team()
        d = double.map(team)
        t = total(d)
    assert [flow.is_mapped(x) for x in (team, d, t)] == [False, True, False]
