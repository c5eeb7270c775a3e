"""Fixtures for running Marvin's flows end to end: a real store, a real Slack client, a stand-in.

Fixtures:
    open_store_again: opens another connection to this test's store (a second "replica"),
        parametrized over SQLite (a file in tmp_path) and Firestore (the session emulator, a
        project of its own), so every flow test runs on both backends.
    store: the test's store, with no members, updates or deliveries.
    standin: a running `SlackStandIn` (records calls, injects faults).
    settings: `Settings` pointing at the stand-in, with the defaults spelled out so no
        environment variable of the machine running the tests can change them.
    chat: `SlackWebChat` on the stand-in with fast backoff (429s wait their Retry-After).
    clock: a fixed, aware clock on a Monday in June 2026 at 08:30 UTC (never today's date).
    make_services: builds `Services` from the above, with per-test overrides.
    executor: `LocalExecutor()` and `ThreadExecutor(4)` in turn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest

from flows.services import Services
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.engine import Executor, LocalExecutor, ThreadExecutor
from marvin.settings import Settings
from marvin.slack.client import SlackWebChat
from marvin.slack.protocol import ChatAPI
from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

TOKEN = "xoxb-flows-test-token"
SIGNING_SECRET = "flows-test-signing-secret"
TEAM = DEFAULT_TEAM
DATE = "2026-06-08"  # a Monday; the default team stands up mon-fri at 09:00 UTC
REMINDER_AT = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)
STANDUP_AT = dt.datetime(2026, 6, 8, 9, 0, tzinfo=dt.UTC)
MEMBERS = ("U0001", "U0002", "U0003", "U0004")


class FixedClock:
    """`now()` for Services: stays where it is put."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __call__(self) -> dt.datetime:
        return self.at


class MakeServices(Protocol):
    def __call__(
        self,
        *,
        store: Store | None = ...,
        chat: ChatAPI | None = ...,
        dry_run: bool = ...,
        **settings: Any,
    ) -> Services: ...


def make_chat(url: str) -> SlackWebChat:
    """The real client with fast retries: 2 retries, 10 ms backoff, 2 s timeout."""
    return SlackWebChat(TOKEN, url, timeout=2, max_retries=2, backoff_factor=0.01)


def make_settings(url: str, **overrides: Any) -> Settings:
    return stand_in_settings(url, TOKEN, SIGNING_SECRET, **({"executor": "local"} | overrides))


def add_members(store: Store, user_ids: tuple[str, ...] = MEMBERS, team: str = TEAM) -> None:
    for user_id in user_ids:
        store.save_member(Member(user_id=user_id, team=team, name=f"Member {user_id}"))


def post_update(store: Store, user_id: str, text: str, date: str = DATE) -> None:
    store.append_update(TEAM, date, user_id, text, REMINDER_AT - dt.timedelta(hours=1))


@pytest.fixture(params=["sqlite", "firestore"])
def open_store_again(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Store]]:
    """Open a (new) connection to this test's store; all are closed after the test."""
    opened: list[Store] = []
    if request.param == "sqlite":
        path = str(tmp_path / "marvin.db")

        def connect() -> Store:
            return SqliteStore(path)
    else:
        project: str = request.getfixturevalue("firestore_project")

        def connect() -> Store:
            return FirestoreStore(project=project)

    def open_one() -> Store:
        store = connect()
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store_again: Callable[[], Store]) -> Store:
    return open_store_again()


@pytest.fixture
def settings(standin: SlackStandIn) -> Settings:
    return make_settings(standin.url)


@pytest.fixture
def chat(standin: SlackStandIn) -> SlackWebChat:
    return make_chat(standin.url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(REMINDER_AT)


@pytest.fixture
def make_services(
    store: Store, chat: SlackWebChat, standin: SlackStandIn, clock: FixedClock
) -> MakeServices:
    default_store, default_chat = store, chat

    def build(
        *,
        store: Store | None = None,
        chat: ChatAPI | None = None,
        dry_run: bool = False,
        **settings: Any,
    ) -> Services:
        return Services(
            store=store or default_store,
            chat=chat or default_chat,
            settings=make_settings(standin.url, **settings),
            now=clock,
            dry_run=dry_run,
        )

    return build


@pytest.fixture(params=["local", "threads"])
def executor(request: pytest.FixtureRequest) -> Executor:
    """Each flow test that takes this runs sequentially and on a pool of 4 threads."""
    return LocalExecutor() if request.param == "local" else ThreadExecutor(4)
