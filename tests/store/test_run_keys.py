"""The run-id and position rules both run histories apply: prefixes, their range, ambiguity."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marvin.store.run_keys import (
    MAX_CANDIDATES,
    MIN_PREFIX,
    ambiguous,
    check_positions,
    check_prefix,
    prefix_end,
)
from marvin.store.run_records import TaskRunRecord


def task_run(run: str, position: int) -> TaskRunRecord:
    return TaskRunRecord(f"{run}/t{position}", run, "t", None, None, "Success", "", "", 1,
                         None, None, position)


@pytest.mark.parametrize(("prefix", "end"), [
    ("3f2a9c", "3f2a9d"),
    ("abc\ud7ff", "abc\ue000"),  # the surrogates are no characters: skipped
    ("ab\U0010ffff", "ac"),
    ("\U0010ffff", "\U0010ffff\U0010ffff"),
])
def test_prefix_end_is_the_least_string_above_the_prefix(prefix: str, end: str) -> None:
    assert prefix_end(prefix) == end


@given(st.text(min_size=1), st.text())
def test_every_string_with_the_prefix_sorts_below_its_end(prefix: str, rest: str) -> None:
    def utf8(text: str) -> bytes:
        return text.encode("utf-8", "surrogatepass")

    assert utf8(prefix) <= utf8(prefix + rest) < utf8(prefix_end(prefix))


def test_a_prefix_shorter_than_the_minimum_is_refused() -> None:
    check_prefix("x" * MIN_PREFIX)
    with pytest.raises(ValueError, match="too short"):
        check_prefix("x" * (MIN_PREFIX - 1))


def test_an_ambiguous_prefix_names_at_most_the_candidates_limit() -> None:
    ids = [f"3f2a9c{n:02d}" for n in range(MAX_CANDIDATES + 1)]
    message = ambiguous("3f2a9c", ids)
    assert ids[MAX_CANDIDATES - 1] in message and ids[MAX_CANDIDATES] not in message
    assert message.endswith(", ...")
    assert not ambiguous("3f2a9c", ids[:2]).endswith("...")


def test_two_task_runs_at_one_position_of_one_run_are_refused() -> None:
    check_positions([task_run("a", 0), task_run("b", 0), task_run("a", 1)])
    with pytest.raises(ValueError, match="position 1 of run 'a'"):
        check_positions([task_run("a", 1), task_run("b", 0), task_run("a", 1)])
