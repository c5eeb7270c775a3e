"""Runs digest syncs off the request's thread: the one hook after an update is saved.

Slack needs a slash command (or view submission) answered within 3 s, and ``chat.update``
is a network call that may wait out a rate limit, so the listener answers first and hands
the digests the save changed (`Reply.posted_digests`) to a small thread pool here.
`marvin.delivery.digest_sync` does the work; whatever goes wrong is logged, and the
digest's record still holds the old fingerprints, so the next edit or `marvin run
standup` tries again: never lost silently.

Example::

    runner = DigestSyncRunner(store, settings, chat, now)
    runner.after_save(reply.posted_digests)   # returns at once
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from marvin.delivery.digest_edits import DigestEditor, SyncResult
from marvin.delivery.digest_sync import sync_digest
from marvin.delivery.outbox import Outbox
from marvin.settings import Settings
from marvin.slack.protocol import ChatAPI
from marvin.store.base import Store, no_deadline
from marvin.store.posted import digest_is_out
from marvin.store.teams import resolve_team

__all__ = ["DigestSyncRunner"]

log = logging.getLogger("marvin.slack.sync")
WORKERS = 2  # edits are rare and short; two keep one slow Slack call from queueing others


class DigestSyncRunner:
    """Brings posted digests up to date in the background, after each save."""

    def __init__(
        self, store: Store, settings: Settings, chat: ChatAPI, now: Callable[[], dt.datetime]
    ) -> None:
        self.store, self.settings, self.chat, self.now = store, settings, chat, now
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="digest-sync")
        self._pending: set[Future[SyncResult | None]] = set()
        self._lock = threading.Lock()

    def after_save(self, posted_digests: Iterable[tuple[str, str]]) -> None:
        """Queue a sync of each (team, date) digest; returns at once."""
        for team, date in posted_digests:
            # in the saving request's context: its workspace's store (`slack/routing.py`)
            future = self._pool.submit(contextvars.copy_context().run, self.sync, team, date)
            with self._lock:
                self._pending.add(future)
            future.add_done_callback(self._done)

    def after_save_if_posted(self, saved: Iterable[tuple[str, str]]) -> None:
        """`after_save` for those of the saved (team, date) whose digest is out: what a
        save that does not know whether it was late (the modal, Skip today) hands over."""
        try:
            posted = [(team, date) for team, date in saved
                      if digest_is_out(self.store, resolve_team(self.store, self.settings, team),
                                       date)]
        except Exception:  # the save succeeded; a sync that cannot start is only logged
            log.exception("could not tell whether the digests of %s are posted", list(saved))
            return
        self.after_save(posted)

    def sync(self, team_name: str, date: str) -> SyncResult | None:
        """One sync, here and now; logs and returns None instead of raising. The saving
        request's store deadline does not apply: a sync holds its digest's edit claim
        (`marvin.delivery.digest_lease`), which it must be able to give back however long
        Slack took."""
        try:
            with no_deadline():
                team = resolve_team(self.store, self.settings, team_name)
                outbox = Outbox(self.store, self.chat, self.now,
                                self.settings.delivery_lease_seconds)
                result = sync_digest(DigestEditor(self.store, self.chat, outbox), team, date)
        except Exception:  # a background thread: nobody else would see it
            log.exception("digest sync of %s for %s failed", team_name, date)
            return None
        log.info("digest of %s for %s: %s", team_name, date, result.summary)
        return result

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for the syncs queued so far (tests; an orderly shutdown)."""
        with self._lock:
            pending = set(self._pending)
        wait(pending, timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _done(self, future: Future[SyncResult | None]) -> None:
        with self._lock:
            self._pending.discard(future)
