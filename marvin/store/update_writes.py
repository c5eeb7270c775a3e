"""The three writes of an update, once for every store: each is a change applied by the
store's own atomic read-change-write (`_rewrite`), so a write touches only its own field
(text appended, answers replaced, skip set) and keeps the rest, whatever ran in between.

A store mixes this in and implements `_rewrite` (SQLite: one IMMEDIATE transaction;
Firestore: a compare-and-set loop). The size cap (`check_update_size`) is `_rewrite`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from marvin.domain.models import Answer, Update
from marvin.domain.standup import is_blank_update

Change = Callable[[Update], Update]


def stamped(before: Update, after: Update, at: dt.datetime) -> Update:
    """`after` (a change of `before`) as written `at`: `updated_at` is `at`, and so is
    `first_posted_at` when this write is the first to say something (a skip alone says
    nothing). An update that said something before first posts were kept stays None:
    unknown, not "now"."""
    first = after.first_posted_at
    if first is None and is_blank_update(before) and not is_blank_update(after):
        first = at
    return replace(after, updated_at=at, first_posted_at=first)


class UpdateWrites:
    """`append_update`, `save_answers` and `set_skipped` of the `Store` protocol."""

    def _rewrite(
        self, op: str, team: str, date: str, user_id: str, at: dt.datetime, change: Change
    ) -> Update:
        """Apply `change` to the stored update (an empty one when there is none), stamp it
        `at`, write it atomically and return it."""
        raise NotImplementedError

    def append_update(
        self, team: str, date: str, user_id: str, text: str, at: dt.datetime
    ) -> Update:
        """Append one entry of free text; returns the whole update."""
        return self._rewrite("append_update", team, date, user_id, at,
                             lambda u: replace(u, entries=(*u.entries, text)))

    def save_answers(
        self, team: str, date: str, user_id: str, answers: tuple[Answer, ...], at: dt.datetime
    ) -> Update:
        """Replace the answers, keeping the free text and the skip; returns the whole update."""
        return self._rewrite("save_answers", team, date, user_id, at,
                             lambda u: replace(u, answers=tuple(answers)))

    def set_skipped(
        self, team: str, date: str, user_id: str, skipped: bool, at: dt.datetime
    ) -> Update:
        """Mark (or unmark) the date as skipped, keeping what was written."""
        return self._rewrite("set_skipped", team, date, user_id, at,
                             lambda u: replace(u, skipped=skipped))
