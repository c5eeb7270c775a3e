"""Skip propagation, `skip_on_upstream_skip=False`, and reference tasks deciding the flow state."""

from __future__ import annotations

from typing import Any

from marvin.engine import (
    SKIP,
    Flow,
    Task,
    all_finished,
    task,
    unmapped,
)
from tests.engine.reminder_tasks import is_reminder_needed

RAN: list[str] = []


def _reset() -> None:
    RAN.clear()


@task
def skipper() -> None:
    RAN.append("skipper")
    raise SKIP("nothing to do")


@task
def ok(x: Any = None) -> str:
    RAN.append("ok")
    return "ok"


@task
def boom(x: Any = None) -> None:
    RAN.append("boom")
    raise RuntimeError("boom")


@task(skip_on_upstream_skip=False)
def runs_anyway(x: Any = None) -> str:
    RAN.append("runs_anyway")
    return f"got {x!r}"


# Skip propagation ---------------------------------------------------------------------
def test_skip_propagates_down_the_chain() -> None:
    _reset()
    with Flow("skip") as flow:
        a = ok(skipper())
        b = ok(a)
    run = flow.run()
    for t in (a, b):
        assert run.task_run(t).state.name == "Skipped"
        assert run.task_run(t).run_count == 0
    assert RAN == ["skipper"]
    assert run.state.is_successful()


def test_skip_propagates_through_state_only_dependencies() -> None:
    _reset()
    with Flow("skip") as flow:
        s = skipper()
        a = ok(upstream_tasks=[s])
    run = flow.run()
    assert run.task_run(a).state.is_skipped()
    assert RAN == ["skipper"]


def test_one_skipped_upstream_among_many_skips_the_task() -> None:
    _reset()

    @task
    def join(a: Any, b: Any) -> str:
        RAN.append("join")
        return "joined"

    with Flow("skip") as flow:
        j = join(ok(), skipper())
    run = flow.run()
    assert run.task_run(j).state.is_skipped()
    assert "join" not in RAN


def test_skip_on_upstream_skip_false_runs_anyway() -> None:
    _reset()
    with Flow("anyway") as flow:
        r = runs_anyway(skipper())
        after = ok(r)
    run = flow.run()
    assert run.result(r) == "got None"
    assert run.task_run(r).state.name == "Success"
    assert run.task_run(after).state.name == "Success"
    assert RAN == ["skipper", "runs_anyway", "ok"]


def test_skip_on_upstream_skip_false_still_obeys_its_trigger() -> None:
    _reset()
    with Flow("anyway") as flow:
        r = runs_anyway(boom())
    run = flow.run()
    assert run.task_run(r).state.name == "TriggerFailed"
    assert "runs_anyway" not in RAN


def test_a_failure_does_not_skip_but_trigger_fails_downstream() -> None:
    _reset()
    with Flow("fail") as flow:
        a = ok(boom())
    run = flow.run()
    assert run.task_run(a).state.name == "TriggerFailed"


def test_all_finished_trigger_runs_after_failure() -> None:
    _reset()

    @task(trigger=all_finished)
    def cleanup(x: Any) -> str:
        RAN.append("cleanup")
        return "cleaned"

    with Flow("cleanup") as flow:
        b = boom()
        c = cleanup(b)
    run = flow.run()
    assert run.result(c) == "cleaned"
    # default reference tasks are the terminal tasks: cleanup succeeded
    assert flow.reference_tasks() == [c]
    assert run.state.is_successful()
    flow.set_reference_tasks([b])
    assert flow.run().state.is_failed()


# Reference tasks ----------------------------------------------------------------------
def test_flow_state_follows_terminal_tasks_by_default() -> None:
    _reset()
    with Flow("terminal") as flow:
        ok(ok())
        boom()
    run = flow.run()
    assert run.state.is_failed()
    assert "1 reference task" in (run.state.message or "")


def test_explicit_reference_tasks_ignore_other_failures() -> None:
    _reset()
    with Flow("ref") as flow:
        important = ok()
        boom(important)
    flow.set_reference_tasks([important])
    assert flow.run().state.is_successful()


def test_skipped_reference_task_counts_as_success() -> None:
    _reset()
    with Flow("ref") as flow:
        skipper()
    run = flow.run()
    assert run.state.is_successful()


# A mapped reference task counts all its children: the seed's reminder flow -----------
def reminder_flow(
    fail_report: bool = False, fail_for: str | None = None
) -> tuple[Flow, Task, Task]:
    sent: list[str] = []

    @task
    def send_reminder(member: str) -> str:
        if member == fail_for:
            raise ConnectionError("slack down")
        sent.append(member)
        return member

    @task(skip_on_upstream_skip=False)
    def report(reminded: list[str | None]) -> list[str]:
        if fail_report:
            raise RuntimeError("report broke")
        return [m for m in reminded if m]

    with Flow("reminder") as flow:
        needed = is_reminder_needed.map(["ann", "bob", "cy"], unmapped({"bob": "done"}))
        res = send_reminder.map(needed)
        rep = report(res)
    flow.set_reference_tasks([res])
    return flow, res, rep


def test_reminder_flow_succeeds_with_skipped_children() -> None:
    flow, res, rep = reminder_flow()
    run = flow.run()
    kids = run.task_run(res).children or []
    assert [k.state.name for k in kids] == ["Success", "Skipped", "Success"]
    assert run.result(rep) == ["ann", "cy"]
    assert run.state.is_successful()


def test_failing_report_does_not_fail_the_run() -> None:
    flow, res, rep = reminder_flow(fail_report=True)
    run = flow.run()
    assert run.task_run(rep).state.is_failed()
    assert run.state.is_successful()


def test_one_failed_reminder_fails_the_run() -> None:
    flow, res, rep = reminder_flow(fail_for="cy")
    run = flow.run()
    kids = run.task_run(res).children or []
    assert [k.state.name for k in kids] == ["Success", "Skipped", "Failed"]
    assert run.task_run(res).state.is_mapped()  # the parent itself is "successful"...
    assert run.state.is_failed()  # ...but the flow counts every child
    assert "1 reference task run(s) failed" in (run.state.message or "")


def test_mapped_reference_task_with_zero_children_succeeds() -> None:
    @task
    def noop(x: int) -> int:
        return x

    with Flow("zero") as flow:
        m = noop.map([])
    flow.set_reference_tasks([m])
    assert flow.run().state.is_successful()


def test_mapped_reference_task_that_could_not_map_fails_the_flow() -> None:
    _reset()

    @task
    def noop(x: int) -> int:
        return x

    with Flow("no-map") as flow:
        m = noop.map(boom())
        ok(m)
    flow.set_reference_tasks([m])
    run = flow.run()
    assert run.task_run(m).state.name == "TriggerFailed"
    assert run.state.is_failed()


def test_reference_tasks_can_mix_plain_and_mapped() -> None:
    @task
    def noop(x: int) -> int:
        if x == 3:
            raise ValueError("three")
        return x

    def build() -> tuple[Flow, Task, Task]:
        with Flow("mix") as flow:
            plain = ok()
            mapped = noop.map([1, 2, 3])
        return flow, plain, mapped

    flow, plain, mapped = build()
    flow.set_reference_tasks([plain])
    assert flow.run().state.is_successful()
    flow.set_reference_tasks([plain, mapped])
    assert flow.run().state.is_failed()
