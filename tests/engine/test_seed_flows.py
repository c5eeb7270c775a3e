"""The two seed flows (Prefect's Marvin, seeds 001/002), written like their positive code,
against in-memory fakes of Slack and the update store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from marvin.engine import (
    SKIP,
    FakeClock,
    Flow,
    FlowRun,
    Parameter,
    Task,
    ThreadExecutor,
    task,
    unmapped,
)

STANDUP_DATE = "2026-01-05"


@dataclass
class FakeSlack:
    posts: list[tuple[str, str]] = field(default_factory=list)
    dms: list[str] = field(default_factory=list)
    down_for: set[str] = field(default_factory=set)

    def post(self, channel: str, text: str) -> None:
        self.posts.append((channel, text))

    def dm(self, member: str, text: str) -> None:
        if member in self.down_for:
            raise ConnectionError(f"slack refused DM to {member}")
        self.dms.append(member)


@dataclass
class FakeStore:
    team: list[str]
    updates: dict[str, dict[str, str]]
    failures_left: int = 0
    reads: int = 0

    def get_updates(self, date: str) -> dict[str, str]:
        self.reads += 1
        if self.failures_left:
            self.failures_left -= 1
            raise TimeoutError("firestore slow")
        return dict(self.updates.get(date, {}))


@pytest.fixture
def slack() -> FakeSlack:
    return FakeSlack()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(
        team=["ann", "bob", "cy", "dee"],
        updates={STANDUP_DATE: {"bob": "shipped the digest", "dee": "reviewed PRs"}},
    )


def standup_flow(slack: FakeSlack, store: FakeStore) -> tuple[Flow, dict[str, Task]]:
    @task
    def get_standup_date() -> str:
        return STANDUP_DATE

    @task(max_retries=2, retry_delay=timedelta(seconds=10))
    def get_updates(date: str) -> dict[str, str]:
        return store.get_updates(date)

    @task
    def post_updates(updates: dict[str, str], channel: str) -> str:
        text = "\n".join(f"*{who}*: {what}" for who, what in sorted(updates.items()))
        slack.post(channel, text)
        return text

    with Flow("standup") as flow:
        standup_channel = Parameter("standup_channel", default="#general")
        date = get_standup_date()
        updates = get_updates(date)
        post = post_updates(updates, standup_channel)
    return flow, {"get_updates": updates, "post_updates": post, "raw_post": post_updates}


def reminder_flow(
    slack: FakeSlack, store: FakeStore, report_fails: bool = False
) -> tuple[Flow, dict[str, Task]]:
    @task
    def get_standup_date() -> str:
        return STANDUP_DATE

    @task
    def get_team() -> list[str]:
        return list(store.team)

    @task
    def get_updates(date: str) -> dict[str, str]:
        return store.get_updates(date)

    @task
    def is_reminder_needed(member: str, updates: dict[str, str]) -> str:
        if member in updates:
            raise SKIP(f"{member} already posted an update")
        return member

    @task(max_retries=1, retry_delay=5)
    def send_reminder(member: str) -> str:
        slack.dm(member, "Reminder: post your standup update with /standup")
        return member

    @task(skip_on_upstream_skip=False)
    def report(reminded: list[str | None]) -> str:
        if report_fails:
            raise RuntimeError("report channel archived")
        names = [m for m in reminded if m]
        slack.post("#marvin-log", f"reminded {len(names)}: {', '.join(names)}")
        return ", ".join(names)

    with Flow("reminder") as flow:
        date = get_standup_date()
        team = get_team(upstream_tasks=[date])
        updates = get_updates(date)
        needed = is_reminder_needed.map(team, unmapped(updates))
        res = send_reminder.map(needed)
        rep = report(res)
    flow.set_reference_tasks([res])
    return flow, {"needed": needed, "res": res, "report": rep}


def kid_states(run: FlowRun, t: Task) -> list[str]:
    return [c.state.name for c in run.task_run(t).children or []]


# Standup flow ------------------------------------------------------------------------------
def test_standup_posts_to_general_on_schedule(slack: FakeSlack, store: FakeStore) -> None:
    flow, t = standup_flow(slack, store)
    assert slack.posts == [] and store.reads == 0  # building ran nothing
    run = flow.run(clock=FakeClock())
    assert run.state.is_successful()
    assert slack.posts == [("#general", "*bob*: shipped the digest\n*dee*: reviewed PRs")]
    assert run.parameters == {"standup_channel": "#general"}


def test_standup_by_hand_posts_to_testing(slack: FakeSlack, store: FakeStore) -> None:
    flow, _ = standup_flow(slack, store)
    flow.run(parameters={"standup_channel": "#testing"}, clock=FakeClock())
    assert [channel for channel, _ in slack.posts] == ["#testing"]


def test_standup_retries_a_slow_store(slack: FakeSlack, store: FakeStore) -> None:
    store.failures_left = 2
    flow, t = standup_flow(slack, store)
    clock = FakeClock()
    run = flow.run(clock=clock)
    assert run.state.is_successful()
    assert store.reads == 3
    assert clock.slept == [10.0, 10.0]
    assert run.task_run(t["get_updates"]).run_count == 3
    assert len(slack.posts) == 1


def test_standup_fails_when_the_store_stays_down(slack: FakeSlack, store: FakeStore) -> None:
    store.failures_left = 99
    flow, t = standup_flow(slack, store)
    run = flow.run(clock=FakeClock())
    assert run.state.is_failed()
    assert run.task_run(t["get_updates"]).state.is_failed()
    assert run.task_run(t["post_updates"]).state.name == "TriggerFailed"
    assert slack.posts == []


def test_standup_tasks_are_plain_functions(slack: FakeSlack, store: FakeStore) -> None:
    _, t = standup_flow(slack, store)
    assert t["raw_post"].fn({"ann": "tests"}, "#x") == "*ann*: tests"
    assert slack.posts == [("#x", "*ann*: tests")]


# Reminder flow -----------------------------------------------------------------------------
def test_reminds_only_members_without_an_update(slack: FakeSlack, store: FakeStore) -> None:
    flow, t = reminder_flow(slack, store)
    run = flow.run(clock=FakeClock())
    assert sorted(slack.dms) == ["ann", "cy"]
    assert kid_states(run, t["needed"]) == ["Success", "Skipped", "Success", "Skipped"]
    assert kid_states(run, t["res"]) == ["Success", "Skipped", "Success", "Skipped"]
    skipped = (run.task_run(t["needed"]).children or [])[1].state
    assert skipped.message == "bob already posted an update"
    assert run.result(t["report"]) == "ann, cy"
    assert slack.posts == [("#marvin-log", "reminded 2: ann, cy")]
    assert run.state.is_successful()


def test_everyone_posted_nobody_reminded(slack: FakeSlack, store: FakeStore) -> None:
    store.updates[STANDUP_DATE] = {m: "done" for m in store.team}
    flow, t = reminder_flow(slack, store)
    run = flow.run(clock=FakeClock())
    assert slack.dms == []
    assert set(kid_states(run, t["res"])) == {"Skipped"}
    assert run.task_run(t["report"]).state.is_successful()  # ran despite the skips
    assert run.state.is_successful()


def test_empty_team_succeeds(slack: FakeSlack, store: FakeStore) -> None:
    store.team = []
    flow, t = reminder_flow(slack, store)
    run = flow.run(clock=FakeClock())
    assert kid_states(run, t["res"]) == []
    assert run.result(t["report"]) == ""
    assert run.state.is_successful()


def test_failing_report_does_not_fail_the_run(slack: FakeSlack, store: FakeStore) -> None:
    flow, t = reminder_flow(slack, store, report_fails=True)
    run = flow.run(clock=FakeClock())
    assert run.task_run(t["report"]).state.is_failed()
    assert sorted(slack.dms) == ["ann", "cy"]
    assert run.state.is_successful()


def test_one_failed_reminder_fails_the_run(slack: FakeSlack, store: FakeStore) -> None:
    slack.down_for = {"cy"}
    flow, t = reminder_flow(slack, store)
    clock = FakeClock()
    run = flow.run(clock=clock)
    assert slack.dms == ["ann"]
    assert kid_states(run, t["res"]) == ["Success", "Skipped", "Failed", "Skipped"]
    cy = (run.task_run(t["res"]).children or [])[2]
    assert cy.run_count == 2 and clock.slept == [5.0]  # its own retry, then Failed
    assert run.task_run(t["report"]).state.name == "TriggerFailed"
    assert run.state.is_failed()


def test_reminder_flow_on_threads(slack: FakeSlack, store: FakeStore) -> None:
    store.team = [f"m{i}" for i in range(20)]
    store.updates[STANDUP_DATE] = {f"m{i}": "x" for i in range(0, 20, 2)}
    flow, t = reminder_flow(slack, store)
    run = flow.run(executor=ThreadExecutor(max_workers=8), clock=FakeClock())
    assert sorted(slack.dms) == sorted(f"m{i}" for i in range(1, 20, 2))
    assert kid_states(run, t["res"]) == ["Skipped", "Success"] * 10
    assert run.state.is_successful()


def test_reminder_flow_shape(slack: FakeSlack, store: FakeStore) -> None:
    flow, t = reminder_flow(slack, store)
    assert flow.reference_tasks() == [t["res"]]
    assert flow.terminal_tasks() == [t["report"]]
    text = flow.to_mermaid()
    for name in ("get_standup_date", "get_team", "get_updates", "is_reminder_needed",
                 "send_reminder", "report"):
        assert name in text
    assert t["report"].skip_on_upstream_skip is False

