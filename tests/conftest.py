"""Session-wide test services (the Firestore emulator), shared by the whole suite.

Fixtures:
    firestore_emulator: ``host:port`` of a running emulator, with FIRESTORE_EMULATOR_HOST set
        for the whole session. Uses the one CI started (FIRESTORE_EMULATOR_HOST already set),
        else starts the jar once per session. Fails, never skips, when it cannot.
    firestore_project: a fresh project id on that emulator (an empty database), cleared after
        the test.
    Firestore stores and histories fail any test that makes a query not declared in
    `marvin.store.firestore.indexes.QUERIES` (see tests/support/firestore_queries.py).
    sqlite_store, firestore_store: an empty store on each backend; `store` runs a test on both.
    sqlite_history, firestore_history: an empty run history on each backend; `history` runs a
        test on both.
    standin: a fresh Slack Web API stand-in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import cast

import pytest

from marvin.store import Store
from marvin.store.firestore.history import FirestoreHistory
from marvin.store.firestore.store import FirestoreStore
from marvin.store.run_history import RunHistory
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.support import firestore_emulator as emulator
from tests.support.firestore_queries import QueryCapture


@pytest.fixture(scope="session")
def firestore_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``host:port`` of the session's Firestore emulator."""
    existing = os.environ.get("FIRESTORE_EMULATOR_HOST")
    if existing:
        try:
            emulator.wait_ready(existing, timeout=60)
        except emulator.EmulatorError as exc:
            pytest.fail(f"FIRESTORE_EMULATOR_HOST is set but unusable: {exc}", pytrace=False)
        yield existing
        return
    port = emulator.free_port()
    log = tmp_path_factory.mktemp("firestore-emulator") / "emulator.log"
    try:
        proc = emulator.start(port, log=log)
    except emulator.EmulatorError as exc:
        pytest.fail(str(exc), pytrace=False)
    host = f"{emulator.HOST}:{port}"
    try:
        try:
            emulator.wait_ready(host, timeout=60, proc=proc)
        except emulator.EmulatorError as exc:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{exc}\n--- emulator log ({log}) ---\n{tail}", pytrace=False)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("FIRESTORE_EMULATOR_HOST", host)  # as in CI, for code that builds clients
            yield host
    finally:
        emulator.stop(proc)


@pytest.fixture
def firestore_project(firestore_emulator: str) -> Iterator[str]:
    """A project id no other test uses, so each test starts from an empty database."""
    project = f"test-{uuid.uuid4().hex[:12]}"
    yield project
    emulator.clear(firestore_emulator, project)


# Stores and run histories ---------------------------------------------------------------------


BACKENDS = ["sqlite", "firestore"]


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A SqliteStore on a fresh file (a file, not :memory:, to exercise WAL and locking)."""
    with closing(SqliteStore(str(tmp_path / "marvin.db"))) as store:
        yield store


@pytest.fixture
def firestore_store(firestore_project: str) -> Iterator[FirestoreStore]:
    """A FirestoreStore on the session's emulator, in a project of its own."""
    with closing(FirestoreStore(project=firestore_project,
                                intercept=QueryCapture(strict=True))) as store:
        yield store


@pytest.fixture
def sqlite_history(tmp_path: Path) -> Iterator[SqliteHistory]:
    """On a fresh file (not :memory:), to exercise WAL as in production."""
    with closing(SqliteHistory(str(tmp_path / "marvin.db"))) as history:
        yield history


@pytest.fixture
def firestore_history(firestore_project: str) -> Iterator[FirestoreHistory]:
    """On the session's emulator, in a project of its own."""
    with closing(FirestoreHistory(project=firestore_project,
                                  intercept=QueryCapture(strict=True))) as history:
        yield history


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest) -> Store:
    """Each backend in turn: what holds for one store must hold for both."""
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


@pytest.fixture(params=BACKENDS)
def history(request: pytest.FixtureRequest) -> RunHistory:
    """Each backend in turn: what holds for one run history must hold for both."""
    return cast(RunHistory, request.getfixturevalue(f"{request.param}_history"))


# Slack ----------------------------------------------------------------------------------------


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    """A fresh Slack Web API stand-in, serving on a port of its own for the test."""
    with SlackStandIn() as slack:
        yield slack
