"""Store fixtures: each backend on its own, and `store`, which runs a test on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from marvin.store import Store
from marvin.store.firestore.store import FirestoreStore
from marvin.store.sqlite.store import SqliteStore


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A SqliteStore on a fresh file (a file, not :memory:, to exercise WAL and locking)."""
    store = SqliteStore(str(tmp_path / "marvin.db"))
    yield store
    store.close()


@pytest.fixture
def firestore_store(firestore_project: str) -> Iterator[FirestoreStore]:
    """A FirestoreStore on the session's emulator, in a project of its own."""
    store = FirestoreStore(project=firestore_project)
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "firestore"])
def store(request: pytest.FixtureRequest) -> Store:
    """Each backend in turn: the contract suite must pass on both."""
    backend: Store = request.getfixturevalue(f"{request.param}_store")
    return backend
