"""The Outbox's claim -> send -> settle steps with a fake Slack and a real SQLite store.

The end-to-end behaviour (retries, replicas, crashes, the stand-in's faults) is covered by
tests/flows and tests/reliability; these check each step's part on its own.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

import pytest

from marvin.delivery.outbox import Outbox
from marvin.delivery.settle import Unfinished
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Claimed, HandedOver, Sent, read_detail
from marvin.domain.models import Delivery
from marvin.engine import SKIP
from marvin.slack.protocol import ChatAPI, MessageSearch, SlackError
from marvin.store.sqlite.store import SqliteStore

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)
KEY = DeliveryKey.reminder("default", "2026-11-23", "U1")
TIMEOUT = SlackError("chat.postMessage", "timeout", permanent=False)


class FakeChat:
    """A DM per user (``D`` + id); `fail` is raised by the next post; `history` holds
    what Slack has, by key; `search` overrides what a lookup answers."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.history: dict[str, str] = {}
        self.fail: SlackError | None = None
        self.search: MessageSearch | None = None

    def open_dm(self, user_id: str) -> str:
        return f"D{user_id}"

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None,
        key: str | None = None, thread_ts: str | None = None,
    ) -> str:
        ts = f"{len(self.posts) + 1}.000100"
        self.posts.append(text)
        self.history[key or ""] = ts  # posted, whatever the caller hears
        if self.fail is not None:
            raise self.fail
        return ts

    def find_message(self, channel: str, key: str, since: float) -> MessageSearch:
        if self.search is not None:
            return self.search
        if key in self.history:
            return MessageSearch.found(self.history[key], channel)
        return MessageSearch.absent()


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(str(tmp_path / "marvin.db"))


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


def outbox(store: SqliteStore, chat: FakeChat, *, dry_run: bool = False) -> Outbox:
    return Outbox(store, cast(ChatAPI, chat), lambda: NOW, 300, dry_run=dry_run)


def delivery(store: SqliteStore) -> Delivery:
    [only] = store.list_deliveries(KEY.team, KEY.date)
    return only


def test_a_sent_delivery_is_completed_with_where_it_went(
    store: SqliteStore, chat: FakeChat
) -> None:
    with outbox(store, chat).claim(KEY) as out:
        out.post_dm("U1", "hello")

    assert read_detail(delivery(store)) == Sent("DU1", ("1.000100",))
    assert out.sent == Sent("DU1", ("1.000100",))


def test_a_second_send_skips_saying_it_went_out_already(
    store: SqliteStore, chat: FakeChat
) -> None:
    with outbox(store, chat).claim(KEY) as out:
        out.post_dm("U1", "hello")

    with pytest.raises(SKIP, match="U1 was already reminded for 2026-11-23"):
        with outbox(store, chat).claim(KEY) as out:
            out.post_dm("U1", "hello")
    assert chat.posts == ["hello"]


def test_a_forced_send_sends_again(store: SqliteStore, chat: FakeChat) -> None:
    for _ in range(2):
        with outbox(store, chat).claim(KEY, force=True) as out:
            out.post_dm("U1", "hello")
    assert chat.posts == ["hello", "hello"]


def test_a_timed_out_post_found_in_slack_is_done_once(
    store: SqliteStore, chat: FakeChat
) -> None:
    chat.fail = TIMEOUT
    with outbox(store, chat).claim(KEY) as out:
        out.post_dm("U1", "hello")

    assert read_detail(delivery(store)) == Sent("DU1", ("1.000100",))


def test_a_timed_out_post_slack_cannot_confirm_is_handed_over(
    store: SqliteStore, chat: FakeChat
) -> None:
    chat.fail, chat.search = TIMEOUT, MessageSearch.unknown("http_503")
    with pytest.raises(Unfinished, match="Slack cannot tell whether it already went out"):
        with outbox(store, chat).claim(KEY) as out:
            out.post_dm("U1", "hello")

    assert isinstance(read_detail(delivery(store)), HandedOver)


def test_a_transient_failure_gives_the_claim_back(store: SqliteStore, chat: FakeChat) -> None:
    with pytest.raises(RuntimeError):
        with outbox(store, chat).claim(KEY):
            raise RuntimeError("the task broke before sending")

    assert store.list_deliveries(KEY.team, KEY.date) == []


def test_taking_over_a_handed_over_claim_sends_only_what_slack_lacks(
    store: SqliteStore, chat: FakeChat
) -> None:
    store.claim_delivery(KEY, NOW, "resumable: killed")
    chat.history[str(KEY)] = "7.000100"  # the earlier attempt's message is out

    with outbox(store, chat).claim(KEY) as out:
        out.post_dm("U1", "hello")

    assert chat.posts == []
    assert read_detail(delivery(store)) == Sent("DU1", ("7.000100",))


def test_a_live_claim_of_another_process_is_left_alone(
    store: SqliteStore, chat: FakeChat
) -> None:
    store.claim_delivery(KEY, NOW, "otherhost:1:1")

    with pytest.raises(SKIP):
        with outbox(store, chat).claim(KEY) as out:
            out.post_dm("U1", "hello")

    assert read_detail(delivery(store)) == Claimed("otherhost:1:1")


def test_a_dry_run_claims_nothing(store: SqliteStore, chat: FakeChat) -> None:
    with outbox(store, chat, dry_run=True).claim(KEY) as out:
        out.post_dm("U1", "hello")

    assert store.list_deliveries(KEY.team, KEY.date) == []
