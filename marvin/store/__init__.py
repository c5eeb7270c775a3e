"""Where Marvin keeps its records: the `Store` protocol and `open_store`, which picks a backend.

`open_store` takes the ``MARVIN_STORE`` setting, so the composition root never names a
backend class. The Firestore module is imported only when asked for, so the SQLite path
(the default, and every test that does not need Firestore) never loads ``google.cloud``.
"""

from __future__ import annotations

from marvin.store.base import Store, StoreError

__all__ = ["Store", "StoreError", "open_store"]

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
    if url.startswith(SQLITE_PREFIX):
        path = url[len(SQLITE_PREFIX):]
        if not path:
            raise ValueError(f"store URL {url!r} has no path: expected {_FORMS}")
        from marvin.store.sqlite import SqliteStore

        return SqliteStore(path)
    if url == "firestore":
        from marvin.store.firestore import FirestoreStore

        return FirestoreStore(project=project)
    raise ValueError(f"unsupported store URL {url!r}: expected {_FORMS}")
