"""Every write of a person's update, in one function: `/standup <text>`, the modal, "Skip today".

Whatever must follow a change to an update (keeping a posted digest true, say) has one
place to go: `save_update`. SDK-free: it writes to the store and returns what is stored,
and publishes ``standup.blocker_reported`` when the answers saved name a blocker. A caller
that must act after the writes of a request (the Slack listener syncing a posted digest
once it has answered) collects them with `saves_noted`, a ``with`` block, so no code in
between has to pass them along.

Example::

    with saves_noted() as saved:
        update = save_update(store, "eng", "2026-11-18", "U123", AppendText("shipped"), now)
    saved   # [("eng", "2026-11-18")]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from marvin.domain.events import blocker_reported
from marvin.domain.models import Answer, Update
from marvin.engine.context import bind
from marvin.history.events import publish
from marvin.store.base import Store

_noted: ContextVar[list[tuple[str, str]] | None] = ContextVar("marvin_saves_noted",
                                                              default=None)


@dataclass(frozen=True)
class AppendText:
    """Free text added with `/standup <text>` (appended, as `/standup` always did)."""

    text: str


@dataclass(frozen=True)
class ReplaceAnswers:
    """The answers from the modal: they replace the earlier answers, never the free text."""

    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class MarkSkipped:
    """ "Skip today" (or taking it back)."""

    skipped: bool = True


Change = AppendText | ReplaceAnswers | MarkSkipped


def save_update(
    store: Store, team: str, date: str, user_id: str, change: Change, at: dt.datetime
) -> Update:
    """Apply one change to a member's update for a date; returns the whole update.

    Raises:
        UpdateFull: the update would be too big; nothing was written.
        StoreError: the store failed (`OutcomeUnknown`: it may have written).
    """
    if isinstance(change, AppendText):
        update = store.append_update(team, date, user_id, change.text, at)
    elif isinstance(change, ReplaceAnswers):
        update = store.save_answers(team, date, user_id, change.answers, at)
        if any(a.blockers and a.text.strip() for a in update.answers):
            # The same event id for every edit of this update: escalated once.
            publish(blocker_reported(team, date, user_id, at))
    else:
        update = store.set_skipped(team, date, user_id, change.skipped, at)
    noted = _noted.get()
    if noted is not None and (team, date) not in noted:
        noted.append((team, date))
    return update


@contextmanager
def saves_noted() -> Iterator[list[tuple[str, str]]]:
    """The (team, date) of every update `save_update` wrote inside the block."""
    noted: list[tuple[str, str]] = []
    with bind(_noted, noted):
        yield noted
