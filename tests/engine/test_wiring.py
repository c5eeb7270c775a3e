"""Prefect 1's wiring API: set_upstream/set_downstream, operators, nout, flow.chain,
edge and neighbour queries. Each test names the Prefect 1 behaviour it pins."""

from __future__ import annotations

import pytest

from marvin.engine import Flow, FlowValidationError, Parameter, task
from tests.engine.small_tasks import one, two


@task
def pair() -> tuple[int, int]:
    return (3, 4)


@task(nout=2)
def bounds() -> tuple[int, int]:
    return (10, 25)


@task
def record(x: int = 0) -> int:
    return x


def test_set_upstream_adds_a_state_only_edge_and_set_downstream_the_reverse() -> None:
    # Prefect 1 Task.set_upstream(task, flow=None, key=None, mapped=False).
    flow = Flow("wire")
    a, b, c = one.copy(), record.copy(), record.copy()
    b.set_upstream(a, flow=flow)
    a.set_downstream(c, flow=flow, key="x")
    assert flow.upstream_tasks(b) == {a}
    assert [(e.upstream, e.key) for e in flow.edges_to(c)] == [(a, "x")]
    run = flow.run()
    assert run.result(b) == 0 and run.result(c) == 1


def test_set_upstream_in_the_active_flow_and_outside_one() -> None:
    with Flow("ctx") as flow:
        a = one()
        b = record()
        b.set_upstream(a)
    assert flow.downstream_tasks(a) == {b}
    with pytest.raises(ValueError, match="outside a flow"):
        record.copy().set_upstream(one.copy())


def test_indexing_a_task_adds_a_getitem_task() -> None:
    # Prefect 1 Task.__getitem__: GetItem named "<task>[<key>]".
    with Flow("index") as flow:
        p = pair()
        first, second = p[0], p[1]
        d = record(x=first)
    run = flow.run()
    assert (run.result(first), run.result(second), run.result(d)) == (3, 4, 3)
    assert first.name == "pair[0]" and type(first).__name__ == "GetItem"


def test_arithmetic_and_comparison_operators_build_tasks() -> None:
    # Prefect 1 Task.__add__/__radd__/__gt__/... -> prefect.tasks.core.operators.
    with Flow("ops") as flow:
        a, b = one(), two()
        results = {
            "add": a + b,
            "radd": 10 + a,
            "sub": b - a,
            "rsub": 10 - b,
            "mul": b * 3,
            "div": a / b,
            "floordiv": 7 // b,
            "pow": b**3,
            "mod": 7 % b,
            "gt": a > b,
            "ge": b >= 2,
            "lt": a < b,
            "le": 3 <= a,  # reflected: a >= 3
            "and": a & b,
            "or": a | b,
            "equal": a.is_equal(1),
            "not_equal": a.is_not_equal(1),
            "not": (a > b).not_(),
        }
    run = flow.run()
    got = {k: run.result(t) for k, t in results.items()}
    assert got == {
        "add": 3, "radd": 11, "sub": 1, "rsub": 8, "mul": 6, "div": 0.5, "floordiv": 3,
        "pow": 8, "mod": 1, "gt": False, "ge": True, "lt": True, "le": False,
        "and": 0, "or": 3, "equal": True, "not_equal": False, "not": True,
    }  # fmt: skip
    assert type(results["add"]).__name__ == "Add"


def test_equality_stays_identity_so_tasks_live_in_sets() -> None:
    # Prefect 1 keeps == as identity and offers is_equal() for the task version.
    a, b = one.copy(), one.copy()
    assert a == a and a != b and len({a, b}) == 2


def test_nout_unpacks_a_task_into_getitem_tasks() -> None:
    with Flow("nout") as flow:
        low, high = bounds()
        width = high - low
    assert flow.run().result(width) == 15


def test_unpacking_a_task_without_nout_is_a_clear_error() -> None:
    with Flow("no-nout"), pytest.raises(TypeError, match="nout"):
        low, high = pair()  # noqa: F841


def test_operators_outside_a_flow_are_a_clear_error() -> None:
    with pytest.raises(ValueError, match="outside a flow"):
        one.copy() + 1


def test_chain_links_tasks_in_order() -> None:
    # Prefect 1 Flow.chain(*tasks): state-only edges between consecutive tasks.
    flow = Flow("chain")
    a, b, c = one.copy(), record.copy(), record.copy()
    edges = flow.chain(a, b, c)
    assert [(e.upstream, e.downstream, e.key) for e in edges] == [(a, b, None), (b, c, None)]
    assert flow.sorted_tasks() == [a, b, c]


def test_edges_and_neighbour_queries() -> None:
    with Flow("queries") as flow:
        a, b = one(), two()
        s = record(x=a)
        s.set_upstream(b)
    assert flow.upstream_tasks(s) == {a, b}
    assert flow.downstream_tasks(a) == {s}
    assert {(e.upstream, e.key) for e in flow.edges_to(s)} == {(a, "x"), (b, None)}
    assert {e.downstream for e in flow.edges_from(b)} == {s}
    edge = next(iter(flow.edges_from(a)))
    assert edge.upstream_task is a and edge.downstream_task is s  # Prefect 1 names
    with pytest.raises(ValueError, match="not found"):
        flow.upstream_tasks(one.copy())


def test_a_cycle_through_set_downstream_is_refused() -> None:
    flow = Flow("cycle")
    a, b = one.copy(), record.copy()
    a.set_downstream(b, flow=flow)
    with pytest.raises(FlowValidationError, match="cycle"):
        b.set_downstream(a, flow=flow)


def test_parameters_take_operators_too() -> None:
    with Flow("param-ops") as flow:
        n = Parameter("n", default=2)
        m = n * 10
    assert flow.run(parameters={"n": 4}).result(m) == 40
