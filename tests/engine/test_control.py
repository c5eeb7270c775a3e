"""Conditional logic: `case` blocks and `merge`, as in Prefect 1."""

from __future__ import annotations

import pytest

from marvin.engine import Flow, Parameter, Task, case, merge, task

RAN: list[str] = []


@pytest.fixture(autouse=True)
def _clear() -> None:
    RAN.clear()


@task
def classify(kind: str) -> str:
    return kind


@task
def welcome(member: str) -> str:
    RAN.append("welcome")
    return f"welcome {member}"


@task
def nudge(member: str) -> str:
    RAN.append("nudge")
    return f"nudge {member}"


@task
def shout(text: str) -> str:
    RAN.append("shout")
    return text.upper()


def greet_flow() -> tuple[Flow, Task, Task, Task]:
    with Flow("greet") as flow:
        kind = classify(Parameter("kind"))
        with case(kind, "new"):
            w = welcome("ann")
        with case(kind, "regular"):
            n = nudge("ann")
        sent = merge(w, n)
    return flow, w, n, sent


@pytest.mark.parametrize(
    ("kind", "ran", "result"),
    [("new", ["welcome"], "welcome ann"), ("regular", ["nudge"], "nudge ann")],
)
def test_case_runs_only_the_matching_branch(kind: str, ran: list[str], result: str) -> None:
    flow, w, n, sent = greet_flow()
    run = flow.run(parameters={"kind": kind})
    assert RAN == ran
    assert run.result(sent) == result
    taken, other = (w, n) if kind == "new" else (n, w)
    assert run.task_run(taken).state.name == "Success"
    assert run.task_run(other).state.name == "Skipped"
    assert run.state.is_successful()


def test_building_cases_runs_nothing() -> None:
    flow, *_ = greet_flow()
    assert RAN == []
    gates = [t for t in flow.tasks if t.name.startswith("case(")]
    assert [g.name for g in gates] == ["case('new')", "case('regular')"]


def test_every_task_created_in_the_block_depends_on_the_gate() -> None:
    with Flow("block") as flow:
        kind = classify("new")
        with case(kind, "new"):
            w = welcome("ann")
            s = shout(w)
        after = shout("outside")
    gate = next(t for t in flow.tasks if t.name == "case('new')")
    for t in (w, s):
        assert gate in [e.upstream for e in flow.upstream_edges(t)]
    assert gate not in [e.upstream for e in flow.upstream_edges(after)]
    run = flow.run()
    assert run.result(s) == "WELCOME ANN"
    assert run.result(after) == "OUTSIDE"


def test_skipped_branch_skips_its_downstream_chain() -> None:
    with Flow("chain") as flow:
        kind = classify("regular")
        with case(kind, "new"):
            w = welcome("ann")
        s = shout(w)
    run = flow.run()
    assert run.task_run(w).state.is_skipped()
    assert run.task_run(s).state.is_skipped()
    assert RAN == []


def test_nested_cases() -> None:
    def build() -> tuple[Flow, Task, Task, Task]:
        with Flow("nested") as flow:
            kind = classify(Parameter("kind"))
            mood = classify(Parameter("mood"))
            with case(kind, "new"):
                with case(mood, "happy"):
                    inner = shout("yay")
                outer = welcome("ann")
            sent = merge(inner, outer)
        return flow, inner, outer, sent

    flow, inner, outer, sent = build()
    run = flow.run(parameters={"kind": "new", "mood": "happy"})
    assert run.task_run(inner).state.name == run.task_run(outer).state.name == "Success"
    assert run.result(sent) == "YAY"

    RAN.clear()
    run = flow.run(parameters={"kind": "new", "mood": "sad"})
    assert run.task_run(inner).state.is_skipped()
    assert run.result(outer) == "welcome ann"
    assert RAN == ["welcome"]
    assert run.result(sent) == "welcome ann"

    RAN.clear()
    run = flow.run(parameters={"kind": "old", "mood": "happy"})
    assert run.task_run(inner).state.is_skipped()
    assert run.task_run(outer).state.is_skipped()
    assert RAN == []


def test_merge_returns_the_first_branch_with_a_value() -> None:
    @task
    def nothing() -> None:
        return None

    with Flow("m") as flow:
        m = merge(nothing(), welcome("bob"), nudge("bob"))
    assert flow.run().result(m) == "welcome bob"


def test_merge_fails_when_a_branch_failed() -> None:
    @task
    def broken() -> str:
        raise ValueError("branch broke")

    with Flow("m") as flow:
        kind = classify("new")
        with case(kind, "new"):
            b = broken()
        with case(kind, "old"):
            n = nudge("x")
        m = merge(b, n)
    run = flow.run()
    assert run.task_run(m).state.is_failed()
    assert run.state.is_failed()


def test_merge_skips_when_no_branch_ran() -> None:
    flow, w, n, sent = greet_flow()
    run = flow.run(parameters={"kind": "other"})
    assert RAN == []
    assert run.task_run(sent).state.is_skipped()
    assert run.state.is_successful()


def test_case_on_a_failed_condition_does_not_run_the_branch() -> None:
    @task
    def broken() -> str:
        raise ValueError("no kind")

    with Flow("f") as flow:
        kind = broken()
        with case(kind, "new"):
            w = welcome("ann")
    run = flow.run()
    assert run.task_run(w).state.is_failed()
    assert RAN == []


def test_case_outside_a_flow_is_an_error() -> None:
    with pytest.raises(ValueError, match="inside `with Flow"):
        with case(classify, "x"):
            pass


def test_merge_needs_a_task() -> None:
    with Flow("m"), pytest.raises(ValueError, match="at least one"):
        merge()


def test_case_compares_with_equality() -> None:
    @task
    def count() -> int:
        return 3

    with Flow("eq") as flow:
        c = count()
        with case(c, 3):
            yes = shout("three")
        with case(c, 3.5):
            no = shout("three and a half")
    run = flow.run()
    assert run.result(yes) == "THREE"
    assert run.task_run(no).state.is_skipped()

