"""States: a small class tree whose predicates come from subclassing (as in Prefect 1)."""

from __future__ import annotations

import pendulum
import pytest

from marvin.engine import ALL_STATES, FakeClock, Flow, task
from marvin.engine import state as states
from tests.engine.failing_tasks import after, broken

PREDICATES = (
    "is_pending",
    "is_scheduled",
    "is_retrying",
    "is_paused",
    "is_running",
    "is_finished",
    "is_successful",
    "is_skipped",
    "is_mapped",
    "is_failed",
)

# Which predicates hold for each class: exactly these, no others.
EXPECTED: dict[type[states.State], set[str]] = {
    states.State: set(),
    states.Pending: {"is_pending"},
    states.Scheduled: {"is_pending", "is_scheduled"},
    states.Retrying: {"is_pending", "is_scheduled", "is_retrying"},
    states.Paused: {"is_pending", "is_paused"},
    states.Running: {"is_running"},
    states.Finished: {"is_finished"},
    states.Success: {"is_finished", "is_successful"},
    states.Skipped: {"is_finished", "is_successful", "is_skipped"},
    states.Mapped: {"is_finished", "is_successful", "is_mapped"},
    states.Failed: {"is_finished", "is_failed"},
    states.TriggerFailed: {"is_finished", "is_failed"},
    states.TimedOut: {"is_finished", "is_failed"},
}


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: c.__name__)
def test_predicates_follow_the_class_tree(cls: type[states.State]) -> None:
    state = cls()
    holding = {p for p in PREDICATES if getattr(state, p)()}
    assert holding == EXPECTED[cls]


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (states.Scheduled, states.Pending),
        (states.Retrying, states.Scheduled),
        (states.Paused, states.Pending),
        (states.Success, states.Finished),
        (states.Skipped, states.Success),
        (states.Mapped, states.Success),
        (states.Failed, states.Finished),
        (states.TriggerFailed, states.Failed),
        (states.TimedOut, states.Failed),
    ],
)
def test_subclassing(child: type[states.State], parent: type[states.State]) -> None:
    assert issubclass(child, parent)
    assert issubclass(child, states.State)


def test_running_and_pending_are_not_finished() -> None:
    for cls in (states.Pending, states.Scheduled, states.Retrying, states.Paused, states.Running):
        assert not cls().is_finished(), cls


def test_failed_states_are_not_successful_and_vice_versa() -> None:
    failed: tuple[type[states.State], ...] = (states.Failed, states.TriggerFailed, states.TimedOut)
    succeeded: tuple[type[states.State], ...] = (states.Success, states.Skipped, states.Mapped)
    for cls in failed:
        assert not cls().is_successful()
    for cls in succeeded:
        assert not cls().is_failed()


def test_message_result_timestamp_and_defaults() -> None:
    s = states.Success("done", result=[1, 2], timestamp=12.5)
    assert (s.message, s.result, s.timestamp) == ("done", [1, 2], 12.5)
    blank = states.Pending()
    assert (blank.message, blank.result, blank.timestamp) == (None, None, 0.0)


def test_name_and_repr() -> None:
    assert states.Skipped("already posted").name == "Skipped"
    assert repr(states.Skipped("already posted")) == "<Skipped: 'already posted'>"
    assert repr(states.TriggerFailed()) == "<TriggerFailed>"


def test_entered_at_is_utc_pendulum() -> None:
    s = states.Success(timestamp=1_767_225_600.0)
    assert s.entered_at == pendulum.datetime(2026, 1, 1, tz="UTC")
    assert s.entered_at.timezone_name == "UTC"


def test_failed_keeps_exception_and_traceback() -> None:
    err = ValueError("boom")
    f = states.Failed("bad", exception=err, traceback="Traceback ...")
    assert f.exception is err
    assert f.traceback == "Traceback ..."
    assert states.Failed().exception is None and states.Failed().traceback is None


def test_retrying_has_start_time_and_run_count() -> None:
    r = states.Retrying("again", timestamp=10.0, start_time=15.0, run_count=2)
    assert (r.timestamp, r.start_time, r.run_count) == (10.0, 15.0, 2)
    assert states.Scheduled(start_time=3.0).start_time == 3.0


def test_mapped_children_default_is_a_fresh_list() -> None:
    a, b = states.Mapped(), states.Mapped()
    a.children.append(states.Success())
    assert b.children == []
    kids: list[states.State] = [states.Success(), states.Skipped()]
    assert states.Mapped(children=kids).children is kids


def test_every_state_has_a_colour_for_drawing() -> None:
    colours = {cls: cls.color for cls in EXPECTED}
    assert all(isinstance(c, str) and c.startswith("#") for c in colours.values())
    assert states.Failed.color != states.Success.color != states.Skipped.color


def test_states_are_small_slotted_objects() -> None:
    with pytest.raises(AttributeError):
        states.Success().anything_else = 1  # type: ignore[attr-defined]


@task
def _work() -> int:
    return 1


def test_run_states_are_stamped_by_the_clock() -> None:
    with Flow("stamped") as flow:
        _work()
    clock = FakeClock(start=100.0, tick=1.0)
    run = flow.run(clock=clock)
    history = run.task_runs[0].history
    assert [s.name for s in history] == ["Running", "Success"]
    stamps = [s.timestamp for s in history]
    assert stamps == sorted(stamps) and stamps[0] >= 100.0 and stamps[-1] > stamps[0]


def test_finished_state_of_a_run_has_start_and_end_times() -> None:
    with Flow("times") as flow:
        w = _work()
        a = after(broken())
    run = flow.run(clock=FakeClock(start=100.0, tick=1.0))
    tr = run.task_run(w)
    final = tr.state
    assert isinstance(final, states.Finished)
    assert final.start_time == tr.start_time == tr.history[0].timestamp
    assert final.end_time == tr.end_time == final.timestamp
    assert final.start_time < final.end_time
    assert final.duration == final.end_time - final.start_time
    never_ran = run.task_run(a).state
    assert never_ran.start_time == never_ran.end_time  # type: ignore[attr-defined]
    assert run.state.start_time == run.start_time  # type: ignore[attr-defined]
    assert run.start_time < run.state.end_time <= run.end_time  # type: ignore[attr-defined]


def test_finished_state_built_by_hand_has_readable_times() -> None:
    s = states.Success("forgiven", timestamp=5.0)
    assert s.start_time in (None, 5.0)
    assert s.end_time == 5.0
    assert s.duration == 0.0


def test_all_states_names_every_state_class_once() -> None:
    defined = {
        v for v in vars(states).values() if isinstance(v, type) and issubclass(v, states.State)
    }
    assert len(ALL_STATES) == len(set(ALL_STATES))
    assert set(ALL_STATES) == defined
