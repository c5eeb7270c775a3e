"""Results, serializers, caching (`cache_for`) and targets, with Prefect 1's semantics.

Pinned against Prefect 1.4: prefect.engine.result (Result.exists/read/write, location
templates formatted with the run context and inputs), prefect.engine.cache_validators,
and the TaskRunner's check_target / check_task_is_cached / cache_result steps: a found
target or a valid cache ends the run Cached without calling the task, and a task that
caches ends Cached itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pendulum
import pytest

from marvin.engine import (
    Cached,
    CloudpickleSerializer,
    FakeClock,
    Flow,
    JSONSerializer,
    LocalResult,
    MemoryResult,
    Parameter,
    PickleSerializer,
    task,
)
from marvin.engine.cache_validators import (
    all_inputs,
    all_parameters,
    never_use,
    partial_inputs_only,
)

CALLS: list[Any] = []
START = pendulum.datetime(2026, 3, 2, 9).timestamp()


@pytest.fixture(autouse=True)
def _clear() -> None:
    CALLS.clear()


@pytest.mark.parametrize("make", [MemoryResult, lambda: LocalResult("PLACEHOLDER")])
def test_result_contract(make: Any, tmp_path: Path) -> None:
    result = make() if make is MemoryResult else LocalResult(tmp_path / "r")
    assert not result.exists("a/b.json")
    result.write("a/b.json", {"x": [1, 2]})
    assert result.exists("a/b.json") and result.read("a/b.json") == {"x": [1, 2]}
    result.write("a/b.json", 3)  # overwrite
    assert result.read("a/b.json") == 3
    with pytest.raises(KeyError):
        result.read("missing")


def test_a_memory_result_can_be_shipped_to_another_process() -> None:
    import pickle

    result = MemoryResult()
    result.write("a", 1)
    copy = pickle.loads(pickle.dumps(result))
    copy.write("b", 2)
    assert copy.read("a") == 1 and not result.exists("b")


def test_local_result_stays_inside_its_directory(tmp_path: Path) -> None:
    result = LocalResult(tmp_path / "r")
    with pytest.raises(ValueError, match="outside"):
        result.write("../escape", 1)
    assert not (tmp_path / "escape").exists()


def test_location_templates_name_what_is_missing() -> None:
    result = MemoryResult(location="{flow_name}/{nope}")
    with pytest.raises(ValueError, match="nope.*known: flow_name"):
        result.format(flow_name="f")


@pytest.mark.parametrize("serializer", [JSONSerializer(), PickleSerializer()])
def test_serializers_round_trip(serializer: Any) -> None:
    value = {"a": [1, "two", None]}
    assert serializer.deserialize(serializer.serialize(value)) == value


def test_cloudpickle_keeps_what_pickle_cannot() -> None:
    data = CloudpickleSerializer().serialize(lambda x: x + 1)
    assert CloudpickleSerializer().deserialize(data)(1) == 2


def test_json_refuses_what_it_cannot_store() -> None:
    with pytest.raises(TypeError):
        JSONSerializer().serialize(object())


def cached_flow(t: Any, **inputs: Any) -> tuple[Flow, Any]:
    with Flow("cache") as flow:
        out = t(**inputs)
    return flow, out


def test_cache_for_reuses_the_result_until_it_expires() -> None:
    @task(cache_for=60, result=MemoryResult())
    def expensive() -> int:
        CALLS.append(1)
        return len(CALLS)

    flow, out = cached_flow(expensive)
    clock = FakeClock(start=START)
    first = flow.run(clock=clock).task_run(out)
    assert isinstance(first.state, Cached) and first.result == 1
    assert [s.name for s in first.history] == ["Running", "Success", "Cached"]
    clock.advance(59)
    second = flow.run(clock=clock).task_run(out)
    assert isinstance(second.state, Cached) and second.result == 1 and len(CALLS) == 1
    assert [s.name for s in second.history] == ["Cached"]
    clock.advance(2)
    assert flow.run(clock=clock).result(out) == 2


def test_cache_is_shared_across_flows_by_cache_key() -> None:
    shared = MemoryResult()

    @task(cache_for=60, cache_key="holidays", result=shared)
    def holidays() -> list[str]:
        CALLS.append(1)
        return ["2026-12-25"]

    one, a = cached_flow(holidays)
    with Flow("other") as two:
        b = holidays()
    clock = FakeClock(start=START)
    assert one.run(clock=clock).result(a) == ["2026-12-25"]
    assert two.run(clock=clock).result(b) == ["2026-12-25"]
    assert len(CALLS) == 1


@task
def square(x: int) -> int:
    CALLS.append(x)
    return x * x


def test_all_inputs_validator_keys_the_cache_by_inputs() -> None:
    t = square.copy(cache_for=60.0, cache_validator=all_inputs, result=MemoryResult())
    with Flow("inputs") as flow:
        out = t(Parameter("x"))
    clock = FakeClock(start=START)
    for x in (2, 3, 2, 3):
        assert flow.run({"x": x}, clock=clock).result(out) == x * x
    assert CALLS == [2, 3]


def test_all_parameters_and_never_use() -> None:
    by_params = square.copy(cache_for=60.0, cache_validator=all_parameters, result=MemoryResult())
    never = square.copy(cache_for=60.0, cache_validator=never_use, result=MemoryResult())
    with Flow("params") as flow:
        p = Parameter("x")
        by_params(p)
    with Flow("never") as other:
        never(4)
    clock = FakeClock(start=START)
    flow.run({"x": 5}, clock=clock)
    flow.run({"x": 5}, clock=clock)
    flow.run({"x": 6}, clock=clock)
    other.run(clock=clock)
    other.run(clock=clock)
    assert CALLS == [5, 6, 4, 4]


def test_partial_inputs_only_ignores_other_inputs() -> None:
    @task(cache_for=60, cache_validator=partial_inputs_only(["team"]), result=MemoryResult())
    def members(team: str, asked_by: str) -> str:
        CALLS.append(asked_by)
        return team

    with Flow("partial") as flow:
        members(Parameter("team"), Parameter("asked_by"))
    clock = FakeClock(start=START)
    flow.run({"team": "a", "asked_by": "ann"}, clock=clock)
    flow.run({"team": "a", "asked_by": "bob"}, clock=clock)
    flow.run({"team": "b", "asked_by": "bob"}, clock=clock)
    assert CALLS == ["ann", "bob"]


def test_mapped_children_cache_their_own_items() -> None:
    t = square.copy(cache_for=60.0, result=MemoryResult())
    with Flow("mapped-cache") as flow:
        out = t.map([2, 3])
    clock = FakeClock(start=START)
    assert flow.run(clock=clock).result(out) == [4, 9]
    assert flow.run(clock=clock).result(out) == [4, 9]
    assert CALLS == [2, 3]


def test_inputs_json_cannot_store_are_left_out_of_the_cache_entry() -> None:
    # duration_only still reuses the result; all_inputs never matches an entry
    # without inputs, so a cached result is never taken for different inputs.
    @task(cache_for=60, result=MemoryResult(), checkpoint=False)
    def weekday(when: Any) -> int:
        CALLS.append(1)
        return int(when.isoweekday())

    strict = weekday.copy(cache_validator=all_inputs, cache_key="strict")
    when = pendulum.datetime(2026, 3, 4)
    with Flow("dt-cache") as flow:
        a, b = weekday(when), strict(when)
    clock = FakeClock(start=START)
    flow.run(clock=clock)
    run = flow.run(clock=clock)
    assert run.task_run(a).state.is_cached() and run.result(b) == 3
    assert len(CALLS) == 3  # weekday once, strict twice


def test_an_unserializable_result_still_succeeds_uncached() -> None:
    @task(cache_for=60, result=MemoryResult(), checkpoint=False)  # JSON: no object()
    def make() -> Any:
        CALLS.append(1)
        return object()

    flow, out = cached_flow(make)
    task_run = flow.run().task_run(out)
    assert task_run.state.is_successful() and not task_run.state.is_cached()
    assert any("could not be cached" in e.message for e in task_run.logs)


def test_target_skips_the_task_when_its_result_exists(tmp_path: Path) -> None:
    # Prefect 1 `target`: the template is formatted with the context and inputs; when
    # the result exists the task does not run and ends Cached with the stored value.
    result = LocalResult(tmp_path)

    @task(result=result, target="{flow_name}/{task_name}-{team}-{today}.json")
    def digest(team: str) -> dict[str, str]:
        CALLS.append(team)
        return {"team": team}

    with Flow("targets") as flow:
        out = digest(Parameter("team"))
    clock = FakeClock(start=START)
    first = flow.run({"team": "core"}, clock=clock)
    assert first.result(out) == {"team": "core"}
    assert (tmp_path / "targets" / "digest-core-2026-03-02.json").is_file()
    second = flow.run({"team": "core"}, clock=clock).task_run(out)
    assert isinstance(second.state, Cached) and second.result == {"team": "core"}
    assert "Result found at task target" in (second.state.message or "")
    assert CALLS == ["core"]
    clock.advance(86_400)  # a new day: a new target
    flow.run({"team": "core"}, clock=clock)
    assert CALLS == ["core", "core"]


def test_templates_see_parameters_and_inputs_win_on_a_clash() -> None:
    # Prefect 1 formats targets with {**parameters, **context, **inputs}.
    result = MemoryResult()

    @task(result=result, target="{channel}/{date}/{today}")
    def post(date: str) -> str:
        return date

    with Flow("clash") as flow:
        Parameter("channel", default="#general")
        post("any-day")
    flow.run(clock=FakeClock(start=START))
    assert result.exists("#general/any-day/2026-03-02")


def test_checkpoint_writes_to_the_flows_result_unless_turned_off(tmp_path: Path) -> None:
    @task
    def kept() -> int:
        return 1

    @task(checkpoint=False)
    def not_kept() -> int:
        return 2

    with Flow("ckpt", result=LocalResult(tmp_path)) as flow:
        kept()
        not_kept()
    run = flow.run()
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [f"ckpt/kept/{run.id}"]


def test_a_target_without_a_result_fails_with_a_clear_message() -> None:
    @task(target="x.json")
    def orphan() -> int:
        return 1

    flow, out = cached_flow(orphan)
    state = flow.run().task_run(out).state
    assert state.is_failed() and "no result=" in (state.message or "")


def test_a_checkpoint_that_cannot_be_written_fails_the_run(tmp_path: Path) -> None:
    @task(result=LocalResult(tmp_path))
    def unstorable() -> Any:
        return object()

    flow, out = cached_flow(unstorable)
    state = flow.run().task_run(out).state
    assert state.is_failed() and "could not be written" in (state.message or "")
