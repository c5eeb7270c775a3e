"""`open_store`: which URLs open which backend, and how bad ones are reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from marvin.domain.models import Member
from marvin.store import Store, open_store
from marvin.store.sqlite.store import SqliteStore


def test_relative_sqlite_path_is_relative_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///data.db")
    assert isinstance(store, SqliteStore) and isinstance(store, Store)
    store.close()
    assert (tmp_path / "data.db").is_file()


def test_absolute_sqlite_path_takes_a_fourth_slash(tmp_path: Path) -> None:
    path = tmp_path / "abs.db"
    store = open_store(f"sqlite:///{path}")  # sqlite:////tmp/.../abs.db
    store.save_member(Member("U1"))
    store.close()
    assert SqliteStore(str(path)).get_member("U1") == Member("U1")


def test_sqlite_memory_and_project_is_ignored_for_sqlite() -> None:
    store = open_store("sqlite:///:memory:", project="some-project")
    store.save_member(Member("U1"))
    assert store.get_member("U1") == Member("U1")
    store.close()


def test_firestore_opens_a_firestore_store_for_the_project(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:1")  # building connects nowhere
    from marvin.store.firestore.store import FirestoreStore

    store = open_store("firestore", project="marvin-test")
    assert isinstance(store, FirestoreStore) and isinstance(store, Store)
    assert store.client.project == "marvin-test"
    store.close()


@pytest.mark.parametrize(
    "url",
    ["", "sqlite://", "sqlite:///", "sqlite:/marvin.db", "sqlite://marvin.db", "marvin.db",
     "postgres://localhost/marvin", "Firestore", "firestore://project", " firestore"],
)
def test_bad_urls_are_refused_naming_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError) as info:
        open_store(url)
    message = str(info.value)
    assert repr(url) in message and "sqlite:///PATH" in message and "'firestore'" in message


@pytest.mark.parametrize("opener", ["open_store", "open_history"])
def test_the_sqlite_path_never_imports_google_cloud(opener: str) -> None:
    code = (
        f"import sys; from marvin.store import {opener}; "
        f"{opener}('sqlite:///:memory:').close(); "
        "print(sorted(m for m in sys.modules if m.startswith('google')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[2])
    assert out.stdout.strip() == "[]"
