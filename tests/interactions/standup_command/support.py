"""What the `/standup` command tests share: a fixed, aware clock, explicit settings, and
stores that fail as a dead or answer-losing database would.

The clock is fixed (November 2026, never today), so which standup an update counts for
is known exactly: Friday 20 November before 09:00 London time, Monday 23 November after
it and over the weekend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast
from zoneinfo import ZoneInfo

from marvin.interactions.standup_command import Reply
from marvin.settings import Settings
from marvin.store.base import OutcomeUnknown, Store, StoreError

LONDON = ZoneInfo("Europe/London")
FRIDAY_BEFORE = dt.datetime(2026, 11, 20, 8, 0, tzinfo=LONDON)  # before Friday's 09:00
FRIDAY_AFTER = dt.datetime(2026, 11, 20, 10, 0, tzinfo=LONDON)  # Friday's standup is over
SATURDAY = dt.datetime(2026, 11, 21, 12, 0, tzinfo=LONDON)
FRIDAY, MONDAY = "2026-11-20", "2026-11-23"
USER, NAME = "U123", "alice"


def make_settings(**overrides: Any) -> Settings:
    """Every field the slash command reads is explicit, so neither `.env` nor the
    environment of whoever runs the tests can change the answers."""
    fields: dict[str, Any] = {
        "timezone": "Europe/London",
        "standup_time": "09:00",
        "reminder_time": "08:30",
        "standup_days": "mon-fri",
        "standup_channel": "#general",
        **overrides,
    }
    return Settings(_env_file=None, **fields)  # type: ignore[call-arg]  # pydantic-settings


Run = Callable[..., Reply]
"""``run(text, now=..., user_id=..., target=...)``: one /standup (the `run` fixture)."""


class FailingStore:
    """Wraps a real store; the named methods raise `StoreError` as a dead database would."""

    def __init__(self, inner: Store, failing: set[str] | None = None) -> None:
        self._inner = inner
        self._failing = failing  # None: every method fails

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if self._failing is None or name in self._failing:

            def fail(*args: object, **kwargs: object) -> Any:
                raise StoreError(f"{name}: database is locked")

            return fail
        return attr


def failing(inner: Store, *methods: str) -> Store:
    return cast(Store, FailingStore(inner, set(methods) if methods else None))



class LostAnswerStore:
    """Wraps a real store; `method` does its work, then raises `OutcomeUnknown`, as a
    store whose answer was lost and that could not read it back would."""

    def __init__(self, inner: Store, method: str) -> None:
        self._inner, self._method = inner, method

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def applied_then_lost(*args: Any, **kwargs: Any) -> Any:
            attr(*args, **kwargs)
            raise OutcomeUnknown(f"{name}: the answer was lost")

        return applied_then_lost

