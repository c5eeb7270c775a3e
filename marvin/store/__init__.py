"""Where Marvin keeps its records: the `Store` protocol and `open_store`, which picks a backend.

`open_store` takes the ``MARVIN_STORE`` setting, so the composition root never names a
backend class; `open_history` takes the same setting, so run history lives next to the
app's data (the same SQLite file, or the same Firestore project). The Firestore modules are
imported only when asked for, so the SQLite path (the default, and every test that does
not need Firestore) never loads ``google.cloud``.
"""

from __future__ import annotations

import importlib
from typing import Any

from marvin.domain.workspace import Workspace
from marvin.store.base import OutcomeUnknown, Store, StoreError, deadline
from marvin.store.installations import Installations
from marvin.store.namespaces import adopt, adopted_by, namespaced_path
from marvin.store.run_history import RunHistory
from marvin.store.token_cipher import TokenCipher

__all__ = [
    "Installations", "OutcomeUnknown", "RunHistory", "Store", "StoreError", "adopt_unscoped_data",
    "deadline", "open_history", "open_installations", "open_store",
]

SQLITE_PREFIX = "sqlite:///"
_FORMS = (
    "'sqlite:///PATH' (e.g. sqlite:///marvin.db, sqlite:////var/lib/marvin.db, "
    "sqlite:///:memory:) or 'firestore'"
)


def open_store(
    url: str, *, project: str | None = None, workspace: Workspace | None = None
) -> Store:
    """Open the store that `url` names, in `workspace`'s namespace.

    Args:
        url: ``sqlite:///PATH`` (PATH relative to the working directory, absolute with a
            fourth slash, or ``:memory:``), or ``firestore``.
        project: the Google Cloud project for Firestore; None lets the client library find
            it (``GOOGLE_CLOUD_PROJECT``, credentials, or the emulator's default). Ignored
            for SQLite, so callers may always pass the configured project.
        workspace: whose data: None is the unscoped namespace (single-token mode, and the
            data kept before any OAuth install); a workspace gets a namespace of its own
            (`marvin.store.namespaces`), except the one that adopted the unscoped data.

    Raises:
        ValueError: `url` is not one of the accepted forms.
        StoreError: the store could not be opened.
    """
    store: Store = _open("store", url, project, workspace)
    return store


def open_history(
    url: str, *, project: str | None = None, workspace: Workspace | None = None
) -> RunHistory:
    """Open the run history that `url` names: the same URL forms and errors as `open_store`.

    With ``sqlite:///PATH`` the history's tables go in the store's file (a connection of
    their own); ``sqlite:///:memory:`` gives a private in-memory database, not the store's.
    """
    history: RunHistory = _open("history", url, project, workspace)
    return history


def open_installations(url: str, key: str, previous_key: str | None = None, *,
                       project: str | None = None) -> Installations:
    """Open the Slack installations (OAuth mode) next to the store `url` names, their
    tokens encrypted with `key` (and readable with `previous_key`, during a rotation)."""
    return Installations(_open("installations", url, project, None),
                         TokenCipher(key, previous_key))


# The class each backend opens per role, as (module, class): imported only when opened.
_BACKENDS = {
    ("store", "sqlite"): ("marvin.store.sqlite.store", "SqliteStore"),
    ("store", "firestore"): ("marvin.store.firestore.store", "FirestoreStore"),
    ("history", "sqlite"): ("marvin.store.sqlite.history", "SqliteHistory"),
    ("history", "firestore"): ("marvin.store.firestore.history", "FirestoreHistory"),
    ("installations", "sqlite"): ("marvin.store.sqlite.installations", "SqliteInstallations"),
    ("installations", "firestore"): (
        "marvin.store.firestore.installations", "FirestoreInstallations"),
}


def _open(role: str, url: str, project: str | None, workspace: Workspace | None) -> Any:
    """The `role` ("store", "history" or "installations") of the backend `url` names, in
    the namespace of `workspace` (the unscoped one when that workspace adopted it)."""
    path = _sqlite_path(url, role)
    if workspace is not None and _adopter(url, project) == workspace:
        workspace = None  # the single-token data is this workspace's
    module, name = _BACKENDS[role, "sqlite" if path is not None else "firestore"]
    backend = getattr(importlib.import_module(module), name)
    if path is not None:
        return backend(namespaced_path(path, workspace))
    return backend(project=project, namespace=None if workspace is None else workspace.key)


def _adopter(url: str, project: str | None) -> Workspace | None:
    """The workspace that adopted the unscoped namespace's data, if one did."""
    unscoped: Store = _open("store", url, project, None)
    try:
        return adopted_by(unscoped)
    finally:
        unscoped.close()


def adopt_unscoped_data(url: str, *, project: str | None, first: Workspace) -> Workspace:
    """Give the unscoped namespace's data (single-token mode's) to `first`, the first
    installed workspace, unless a workspace adopted it already; the adopter either way.
    Recorded once, in the unscoped namespace, so later installs never change it."""
    unscoped: Store = _open("store", url, project, None)
    try:
        return adopt(unscoped, first)
    finally:
        unscoped.close()


def _sqlite_path(url: str, what: str) -> str | None:
    """The SQLite path `url` names, or None when it names Firestore; one parser for both."""
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX):]
        if not path:
            raise ValueError(f"{what} URL {url!r} has no path: expected {_FORMS}")
        return path
    if url == "firestore":
        return None
    raise ValueError(f"unsupported {what} URL {url!r}: expected {_FORMS}")
