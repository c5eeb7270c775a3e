"""`StoreResult`: the engine's Result contract on both stores, and what it is for.

The same contract as the engine's MemoryResult and LocalResult (exists/read/write,
overwrite, a missing location is a KeyError), run on SQLite and on the Firestore
emulator; then Prefect 1's "cached across runs" and "target exists, skip the task",
across two processes' worth of objects sharing one store.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from marvin.engine import Cached, FakeClock, Flow, PickleSerializer, task
from marvin.store.base import MAX_RESULT_BYTES, Store
from marvin.store.results import StoreResult
from marvin.store.sqlite.store import SqliteStore

CALLS: list[int] = []


def test_store_result_contract(store: Store) -> None:
    result = StoreResult(store)
    assert not result.exists("reminder/get_team/run-1")
    result.write("reminder/get_team/run-1", {"members": ["U1", "U2"]})
    assert result.exists("reminder/get_team/run-1")
    assert result.read("reminder/get_team/run-1") == {"members": ["U1", "U2"]}
    result.write("reminder/get_team/run-1", [])
    assert result.read("reminder/get_team/run-1") == []
    with pytest.raises(KeyError):
        result.read("missing")


def test_locations_are_kept_apart_whatever_their_characters(store: Store) -> None:
    result = StoreResult(store)
    names = ["a/b", "a_b", "a__b", "a%2Fb", "a.b", ".", "#general/2026-03-02"]
    for i, name in enumerate(names):
        result.write(name, i)
    assert [result.read(name) for name in names] == list(range(len(names)))


def test_an_opt_in_serializer_keeps_any_picklable_value(store: Store) -> None:
    result = StoreResult(store, serializer=PickleSerializer())
    result.write("set", {1, 2})
    assert result.read("set") == {1, 2}


def test_too_big_or_unnamed_results_are_refused_before_writing(store: Store) -> None:
    with pytest.raises(ValueError, match="at most"):
        store.save_result("big", b"x" * (MAX_RESULT_BYTES + 1))
    with pytest.raises(ValueError, match="characters"):
        store.save_result("", b"1")
    assert store.load_result("big") is None


@task(cache_for=3600)
def team_size() -> int:
    CALLS.append(1)
    return 3


def test_a_cache_in_the_store_is_shared_across_runs_and_processes(store: Store) -> None:
    # Prefect 1 cache_for: a later run (here: another process's flow object) gets Cached.
    CALLS.clear()
    clock = FakeClock(start=1_772_442_000.0)
    states = []
    for _ in range(2):  # each round: a fresh Result object, as a restarted process has
        with Flow("sizes") as flow:
            t = team_size.copy(result=StoreResult(store), checkpoint=False)()
        states.append(flow.run(clock=clock).task_run(t).state)
    assert all(isinstance(s, Cached) for s in states) and CALLS == [1]
    assert states[1].result == 3 and [s.message for s in states][1].startswith("Cached")


def test_a_target_in_the_store_skips_the_task(store: Store) -> None:
    CALLS.clear()

    @task(target="digest/{team}/{today}")
    def digest(team: str) -> str:
        CALLS.append(1)
        return f"digest of {team}"

    clock = FakeClock(start=1_772_442_000.0)
    for _ in range(2):
        with Flow("digests", result=StoreResult(store)) as flow:
            t = digest("core")
        run = flow.run(clock=clock)
    assert run.result(t) == "digest of core" and isinstance(run.task_run(t).state, Cached)
    assert CALLS == [1]


def test_an_older_sqlite_file_gains_the_results_table(tmp_path: Path) -> None:
    path = str(tmp_path / "old.db")
    SqliteStore(path).close()
    with sqlite3.connect(path) as raw:  # as a release before results left it
        raw.execute("DROP TABLE results")
    raw.close()
    store = SqliteStore(path)
    try:
        StoreResult(store).write("x", 1)
        assert StoreResult(store).read("x") == 1
    finally:
        store.close()
