"""Where Marvin keeps its records: the `Store` protocol and `open_store`, which picks a backend.

`open_store` takes the ``MARVIN_STORE`` setting, so the composition root never names a
backend class; `open_history` takes the same setting, so run history lives next to the
app's data (the same SQLite file, or the same Firestore project). The Firestore modules are
imported only when asked for, so the SQLite path (the default, and every test that does
not need Firestore) never loads ``google.cloud``.
"""

from __future__ import annotations

from marvin.store.base import OutcomeUnknown, Store, StoreError, deadline
from marvin.store.run_history import RunHistory

__all__ = [
    "OutcomeUnknown", "RunHistory", "Store", "StoreError", "deadline", "open_history",
    "open_store",
]

SQLITE_PREFIX = "sqlite:///"
_FORMS = (
    "'sqlite:///PATH' (e.g. sqlite:///marvin.db, sqlite:////var/lib/marvin.db, "
    "sqlite:///:memory:) or 'firestore'"
)


def open_store(url: str, *, project: str | None = None) -> Store:
    """Open the store that `url` names.

    Args:
        url: ``sqlite:///PATH`` (PATH relative to the working directory, absolute with a
            fourth slash, or ``:memory:``), or ``firestore``.
        project: the Google Cloud project for Firestore; None lets the client library find
            it (``GOOGLE_CLOUD_PROJECT``, credentials, or the emulator's default). Ignored
            for SQLite, so callers may always pass the configured project.

    Raises:
        ValueError: `url` is not one of the accepted forms.
        StoreError: the store could not be opened.
    """
    path = _sqlite_path(url, "store")
    if path is not None:
        from marvin.store.sqlite.store import SqliteStore

        return SqliteStore(path)
    from marvin.store.firestore.store import FirestoreStore

    return FirestoreStore(project=project)


def open_history(url: str, *, project: str | None = None) -> RunHistory:
    """Open the run history that `url` names: the same URL forms as `open_store`.

    With ``sqlite:///PATH`` the history's tables go in the store's file (a connection of
    their own); ``sqlite:///:memory:`` gives a private in-memory database, not the store's.

    Raises:
        ValueError: `url` is not one of the accepted forms.
        StoreError: the history could not be opened.
    """
    path = _sqlite_path(url, "history")
    if path is not None:
        from marvin.store.sqlite.history import SqliteHistory

        return SqliteHistory(path)
    from marvin.store.firestore.history import FirestoreHistory

    return FirestoreHistory(project=project)


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
