"""Faults of the store: the Firestore emulator killed (or frozen) under a working Marvin.

These tests run on a PRIVATE emulator (its own port, not the session's; see
`tests/reliability/private_emulator.py`), because they kill
it: SIGKILL of the whole JVM (the store is gone: connections refused), then a restart on
the same port. The emulator keeps its data in memory only, so a restart comes back EMPTY:
checks that need the data to survive the outage (a re-run must skip what was sent) use a
second backend instead, SQLite behind `DownableStore`, a Store wrapper that refuses every call
while "down" (what a dead server does: nothing reaches it, nothing is applied). Freezing
the JVM (SIGSTOP, then SIGCONT) is the other fault used: the store hangs, calls time out,
and it comes back WITH its data.

Flows run as `marvin.app.run_flow` does (through the suite's `run`, whose engine
clock skips retry delays) on the production Slack client and a stand-in; the store is a
`FirestoreStore` with a 1 s timeout (the production default is 10 s), so an outage costs
seconds. The `/standup` outage runs the production wiring and the default timeout.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, cast

from marvin.domain.digest import digest_messages
from marvin.engine import ThreadExecutor
from marvin.interactions.standup_command import UNCONFIRMED
from marvin.store import Store, StoreError
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore
from marvin.store.teams import resolve_team
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    STANDUP_AT,
    TEAM,
    add_members,
    post_update,
    services_on,
)
from tests.reliability.private_emulator import (
    CHANNEL,
    MEMBERS,
    NEEDING,
    OLD,
    POSTED,
    SLACK_DEADLINE,
    Firestore,
    answer_text,
    assert_failed_cleanly,
    dm_counts,
    run_bounded,
    serve_standup,
    standup,
    wait_until_back,
    when_first_call,
)
from tests.support.firestore_faults import FirestoreFaults

# (a) the store dies in the middle of a reminder run -----------------------------------------



def test_store_killed_mid_reminder_run_fails_cleanly_and_reminds_nobody_twice(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    store = firestore.connect()
    add_members(store, MEMBERS)
    post_update(store, POSTED, "done")
    standin.set_latency(0.4, "chat.postMessage")
    services = services_on(standin.url, store)
    when_first_call(standin, "chat.postMessage", "D", firestore.emulator.kill)

    flow_run, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))

    dms = dm_counts(standin)
    tally["runs"] += 1
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    assert not firestore.emulator.up  # the fault did happen, mid-run
    assert_failed_cleanly(flow_run)
    # Each send takes at most 4 attempts of one store call (1 s) after the outage began,
    # two at a time: no call waits for the store beyond its timeout, so `run_bounded`'s
    # deadline (WAIT) holds with a wide margin.
    assert all(n == 1 for n in dms.values()), dms  # nobody twice
    assert 0 < len(dms) < len(NEEDING)  # some went out before the outage, some never did
    assert dms[POSTED] == 0
    children = flow_run.task_run("send_reminder").children or []
    for member, child in zip(MEMBERS, children, strict=True):
        if member in NEEDING:  # their DM went out or not, the store could not record it
            assert child.state.is_failed() and "Firestore" in str(child.state.message), child
    assert standin.posted_messages(CHANNEL) == []
    assert len(standin.posted_messages(ALERTS)) == 1  # the failed run alerts


def test_store_hanging_while_a_long_digest_is_posted_posts_every_part_once(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    store = firestore.connect()
    members = tuple(f"U{5100 + i}" for i in range(15))
    add_members(store, members)
    for user in members:  # 4 sections each: the digest needs more than one message
        post_update(store, user, f"{user} " + "progress, " * 1_100)
    services = services_on(standin.url, store, STANDUP_AT)
    parts = len(digest_messages(resolve_team(store, services.settings, TEAM), DATE,
                                store.list_updates(TEAM, DATE), store.list_members(TEAM)))
    assert parts >= 2
    standin.set_latency(0.3, "chat.postMessage")
    # this time the store hangs (SIGSTOP) rather than dies: every call times out
    when_first_call(standin, "chat.postMessage", CHANNEL, firestore.emulator.freeze)

    flow_run, _ = run_bounded("standup", {"team": TEAM, "standup_channel": CHANNEL},
                              services, ThreadExecutor(2))

    posted = [m["text"] for m in standin.posted_messages(CHANNEL)]
    tally["runs"] += 1
    tally["duplicates"] += len(posted) - len(set(posted))
    assert firestore.emulator.frozen
    assert_failed_cleanly(flow_run)
    assert "Firestore" in str(flow_run.task_run("post_digest").state.message)
    # The store is not touched between parts: the digest went out whole, once, in order.
    assert len(posted) == parts
    assert all(f"part {i} of {parts}" in text for i, text in enumerate(posted, start=1))


# ... and the re-run after the outage, on a store that keeps its data --------------------------


class DownableStore:
    """A Store that refuses every call while `down` (as a dead server does), else delegates."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.down = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise StoreError(f"SQLite {name} failed: the store is down (injected)")
            return attribute(*args, **kwargs)

        return call

    def go_down(self) -> None:
        self.down = True


def test_after_a_store_outage_mid_reminders_a_rerun_reminds_each_member_exactly_once(
    tmp_path: Path, standin: SlackStandIn, tally: Counter[str]
) -> None:
    sqlite = SqliteStore(str(tmp_path / "marvin.db"))
    try:
        add_members(sqlite, MEMBERS)
        post_update(sqlite, POSTED, "done")
        outage = DownableStore(sqlite)
        standin.set_latency(0.3, "chat.postMessage")
        services = services_on(standin.url, cast(Store, outage))

        when_first_call(standin, "chat.postMessage", "D", outage.go_down)
        failed, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))
        assert_failed_cleanly(failed)
        sent_in_outage = dm_counts(standin)
        assert 0 < len(sent_in_outage) < len(NEEDING)

        outage.down = False  # the store is back, with everything written before the outage
        again, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(2))
        dms = dm_counts(standin)
        deliveries = {d.target: d for d in sqlite.list_deliveries(TEAM, DATE)}
    finally:
        sqlite.close()
    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += sum(n - 1 for n in dms.values() if n > 1)
    tally["messages lost"] += sum(1 for u in NEEDING if dms[u] == 0)

    assert again.state.is_successful(), again.state
    assert dms == Counter({user: 1 for user in NEEDING})
    # Those DM'd during the outage keep an uncompleted claim (complete_delivery failed):
    # the re-run skips them (their DM did go out); the others are claimed and sent now.
    for user in sent_in_outage:
        assert not deliveries[user].sent
    assert all(deliveries[u].sent for u in NEEDING if u not in sent_in_outage)


def test_after_a_store_outage_mid_digest_a_rerun_posts_nothing_more(
    tmp_path: Path, standin: SlackStandIn, tally: Counter[str]
) -> None:
    sqlite = SqliteStore(str(tmp_path / "marvin.db"))
    try:
        members = tuple(f"U{5100 + i}" for i in range(15))
        add_members(sqlite, members)
        for user in members:
            post_update(sqlite, user, f"{user} " + "progress, " * 1_100)
        outage = DownableStore(sqlite)
        standin.set_latency(0.3, "chat.postMessage")
        services = services_on(standin.url, cast(Store, outage), at=STANDUP_AT)

        when_first_call(standin, "chat.postMessage", CHANNEL, outage.go_down)
        params: dict[str, object] = {"team": TEAM, "standup_channel": CHANNEL}
        failed, _ = run_bounded("standup", params, services, ThreadExecutor(2))
        assert_failed_cleanly(failed)
        parts = len(standin.posted_messages(CHANNEL))
        assert parts >= 2

        outage.down = False
        again, _ = run_bounded("standup", params, services, ThreadExecutor(2))
    finally:
        sqlite.close()
    tally["faults injected"] += 1
    tally["runs"] += 2
    tally["duplicates"] += len(standin.posted_messages(CHANNEL)) - parts

    assert again.state.is_successful(), again.state
    assert again.task_run("post_digest").state.is_skipped()
    assert len(standin.posted_messages(CHANNEL)) == parts  # whole, once



# A write that lands, but whose answer is lost --------------------------------------------------


def answer_lost(
    store: FirestoreStore, collection: str, then: Callable[[], None] = lambda: None
) -> AbstractContextManager[list[str]]:
    """The next write to `collection` reaches Firestore and is applied, but its answer is
    lost: the client sees DEADLINE_EXCEEDED, which Firestore documents as "the operation
    may have completed"; `then` runs in between (another fault). Yields the documents
    whose answer was lost. `store` must come from `Firestore.connect`."""
    assert isinstance(store.intercept, FirestoreFaults)
    return store.intercept.answer_lost(collection, then)


def test_standup_whose_write_answer_is_lost_is_saved_once_and_says_thanks(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Firestore applies the append, the answer is lost (DEADLINE_EXCEEDED). Marvin reads
    the update again, finds its own write, and says "Thanks": the user has no reason to
    post again, and the entry is there once."""
    store = firestore.connect(timeout=2.0)
    with serve_standup(store, standin) as http:
        assert "Thanks" in answer_text(standup(http, OLD, "first")[0])
        with answer_lost(store, "updates") as lost:
            told = answer_text(standup(http, OLD, "second")[0])
    tally["faults injected"] += 1
    entries = store.list_updates(TEAM, DATE)[0].entries
    tally["duplicates"] += len(entries) - len(set(entries))
    assert lost
    assert "Thanks" in told and "(part 2)" in told, told
    assert entries == ("first", "second")


def test_standup_whose_write_answer_is_lost_while_the_store_hangs_says_unconfirmed(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """The append is applied, its answer lost, and the store hangs before Marvin can read
    it back: Marvin cannot know, so it says so (never "not saved", which would make the
    user post it twice, nor "Thanks"), within Slack's deadline. `/standup show` then
    shows it, once."""
    store = firestore.connect(timeout=2.0)
    with serve_standup(store, standin) as http:
        assert "Thanks" in answer_text(standup(http, OLD, "first")[0])
        with answer_lost(store, "updates", then=firestore.emulator.freeze) as lost:
            response, took = standup(http, OLD, "second")
        firestore.emulator.thaw()
        wait_until_back(store)
        shown = answer_text(standup(http, OLD, "show")[0])
    tally["faults injected"] += 2
    entries = store.list_updates(TEAM, DATE)[0].entries
    tally["duplicates"] += len(entries) - len(set(entries))
    assert lost
    assert answer_text(response) == UNCONFIRMED
    assert took < SLACK_DEADLINE, took
    assert entries == ("first", "second")
    assert "first" in shown and "second" in shown


def test_reminder_whose_claim_answer_is_lost_still_reaches_the_member(
    firestore: Firestore, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Firestore creates the claim but the answer is lost: the task fails with StoreError.
    Its retry finds the claim made by its own earlier attempt, takes it over at once, asks
    Slack (nothing there) and sends the DM: once."""
    store = firestore.connect()
    add_members(store, ("U5300",))
    services = services_on(standin.url, store)
    with answer_lost(store, "deliveries") as lost:
        flow_run, _ = run_bounded("reminder", {"team": TEAM}, services, ThreadExecutor(1))
    assert lost
    dms = dm_counts(standin)
    tally["faults injected"] += 1
    tally["runs"] += 1
    tally["messages lost"] += 1 - min(dms["U5300"], 1)
    assert flow_run.state.is_successful(), flow_run.state
    assert flow_run.task_run("send_reminder").children[0].run_count == 2  # type: ignore[index]
    assert dms == Counter({"U5300": 1})
    assert [d.sent for d in store.list_deliveries(TEAM, DATE)] == [True]
