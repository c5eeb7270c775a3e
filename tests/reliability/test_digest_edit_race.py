"""Two replicas saving two people's edits at the same instant: the digest ends showing both.

Replica A renders the digest with one late update and is held, through a `ChatAPI`
wrapper, between that render and its ``chat.update``; meanwhile replica B (its own store
connection and Slack client, as another process) saves a second person's update and syncs.
Then A's older render is let through, answered 5xx after Slack applied it in one variant.
Whichever way, the posted message (the part, or in thread mode the parent summary) must end
showing what the store renders now. Both stores; no sleeps: events order the replicas.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from marvin.delivery.digest_edits import current_members
from marvin.delivery.digest_lease import HANDED_OVER
from marvin.domain.digest import DigestMessage, digest_messages
from marvin.domain.digest_thread import thread_parent
from marvin.domain.models import Team
from marvin.slack.digest_sync_runner import DigestSyncRunner
from marvin.slack.protocol import ChatAPI
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import (
    DATE,
    TEAM,
    FixedClock,
    add_members,
    make_chat,
    make_settings,
    post_update,
)
from tests.reliability.digest_edits import post_digest
from tests.reliability.test_digest_edits import LATER, digest_record

WAIT = 30.0  # a failsafe against a hang, never what orders the replicas


class HoldFirstUpdate:
    """A `ChatAPI` whose first ``chat.update`` waits, its render done, until `go` is set;
    `held` is set once it waits. Every other call is delegated as it comes."""

    def __init__(self, inner: ChatAPI) -> None:
        self.inner = inner
        self.held, self.go = threading.Event(), threading.Event()
        self._first = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def update_message(self, *args: Any, **kwargs: Any) -> None:
        if self._first:
            self._first = False
            self.held.set()
            assert self.go.wait(WAIT), "replica B never let replica A's edit through"
        self.inner.update_message(*args, **kwargs)


@pytest.fixture
def replica_store(store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A second connection to the test's store: what another replica would open."""
    other: Store
    if isinstance(store, SqliteStore):
        other = SqliteStore(str(tmp_path / "marvin.db"))
    else:
        assert isinstance(store, FirestoreStore)
        other = FirestoreStore(project=request.getfixturevalue("firestore_project"))
    yield other
    other.close()


def what_the_store_renders(store: Store, team: Team) -> DigestMessage:
    """The digest's first message (thread mode: the parent) as the store renders it now."""
    updates = store.list_updates(TEAM, DATE)
    members = current_members(store.list_members(TEAM), DATE)
    if team.digest_mode == "thread":
        return thread_parent(team, DATE, updates, members, {})
    return digest_messages(team, DATE, updates, members, {})[0]


@pytest.mark.parametrize("mode", ["message", "thread"])
@pytest.mark.parametrize("older_edit_answered", ["ok", "502 after Slack applied it"])
def test_two_replicas_editing_one_part_at_once_end_showing_the_store(
    store: Store, replica_store: Store, standin: SlackStandIn, mode: str,
    older_edit_answered: str,
) -> None:
    team = Team(TEAM, digest_mode=mode)
    store.save_team(team)
    add_members(store, ("U0001", "U0002", "U0003"))
    post_update(store, "U0001", "on time")
    assert post_digest(standin, store).state.is_successful()
    settings = make_settings(standin.url)
    held = HoldFirstUpdate(make_chat(standin.url))
    replica_a = DigestSyncRunner(store, settings, held, FixedClock(LATER))
    replica_b = DigestSyncRunner(replica_store, settings, make_chat(standin.url),
                                 FixedClock(LATER))

    post_update(store, "U0002", "Alice's late news")
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(replica_a.sync, TEAM, DATE)
        assert held.held.wait(WAIT)  # A rendered Alice's update and is about to send it
        replica_store.append_update(TEAM, DATE, "U0003", "Bob's late news", LATER)
        second = replica_b.sync(TEAM, DATE)
        if older_edit_answered != "ok":
            standin.fail_next("chat.update", status=502, after_acting=True)
        held.go.set()
        assert first.result(timeout=WAIT) is not None
    replica_a.close()
    replica_b.close()

    [first_ts] = digest_record(store).timestamps[:1]
    channel_id = standin.world.channel_id("#general")
    assert channel_id is not None
    [message] = [m for m in standin.world.messages(channel_id) if m["ts"] == first_ts]
    assert message["blocks"] == what_the_store_renders(store, team).blocks
    shown = str(standin.world.messages(channel_id))
    assert "Bob's late news" in shown and "Alice's late news" in shown
    assert second is not None and second.skipped == HANDED_OVER  # A brought Bob's in
    left = [d.target for d in store.list_deliveries(TEAM, DATE) if "#edit" in d.target]
    assert left == []  # the edit claim and the request are gone once done
