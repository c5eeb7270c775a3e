"""`/standup` with a store that fails, or loses its answer: a true answer in time, never a
false "Thanks" or a false "not saved"."""

from __future__ import annotations

from typing import Any, cast

import pytest

from marvin.domain.models import DEFAULT_TEAM
from marvin.interactions.standup_command import (
    NOT_SAVED,
    STORE_BUDGET,
    UNCONFIRMED,
    Reply,
)
from marvin.store.base import Store, time_left
from marvin.store.sqlite.store import SqliteStore
from tests.interactions.standup_command.support import (
    FRIDAY,
    USER,
    LostAnswerStore,
    Run,
    failing,
)


@pytest.mark.parametrize("methods", [(), ("append_update",), ("get_member",)],
                         ids=["every-call", "append", "first-read"])
def test_store_error_on_post_says_not_saved(
    run: Run, store: SqliteStore, methods: tuple[str, ...]
) -> None:
    reply = run("did things", target=failing(store, *methods))

    assert reply == Reply(NOT_SAVED, ok=False)
    assert "not saved" in reply.text and "Thanks" not in reply.text
    assert store.list_updates(DEFAULT_TEAM, FRIDAY) == []


@pytest.mark.parametrize("text", ["show", "clear", "join", "leave"])
def test_store_error_on_other_commands_says_nothing_changed(
    run: Run, store: SqliteStore, text: str
) -> None:
    run("did things")

    reply = run(text, target=failing(store))

    assert not reply.ok
    assert "nothing was changed" in reply.text
    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER) is not None
    assert store.get_member(USER) is not None


def test_a_post_whose_fate_is_unknown_says_so_and_never_not_saved(
    run: Run, store: SqliteStore
) -> None:
    """Saying "not saved" would make the user post it again: twice in the digest."""
    reply = run("did things", target=cast(Store, LostAnswerStore(store, "append_update")))

    assert reply == Reply(UNCONFIRMED, ok=False)
    assert "/standup show" in reply.text and "not saved" not in reply.text
    assert store.get_update(DEFAULT_TEAM, FRIDAY, USER).entries == ("did things",)  # type: ignore[union-attr]


def test_a_clear_whose_fate_is_unknown_says_so(run: Run, store: SqliteStore) -> None:
    run("did things")

    reply = run("clear", target=cast(Store, LostAnswerStore(store, "clear_update")))

    assert not reply.ok
    assert "could not confirm" in reply.text and "nothing was changed" not in reply.text


def test_the_store_gets_a_deadline_within_slacks_three_seconds(
    run: Run, store: SqliteStore
) -> None:
    """Every store call of one `/standup` runs under `STORE_BUDGET`, which is below the
    3 s Slack waits for an answer."""
    seen: list[float | None] = []

    class Watching:
        def __getattr__(self, name: str) -> Any:
            attr = getattr(store, name)

            def call(*args: Any, **kwargs: Any) -> Any:
                seen.append(time_left(name))
                return attr(*args, **kwargs)

            return call

    assert "Thanks" in run("did things", target=cast(Store, Watching())).text
    assert seen and all(left is not None and 0 < left <= STORE_BUDGET < 3 for left in seen)
