"""A Store that reports each call as an event of the run making it (seed 003).

Wraps any `Store`: same methods, same results and errors, plus one event per call with
its method, a target (team/date/user, never data) and how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from marvin.history.recorder import emit_event
from marvin.store.base import Store

# Which positional arguments name what a call is about, per Store method.
_TARGET_ARGS = {
    "get_team": 1,
    "delete_team": 1,
    "get_member": 1,
    "remove_member": 1,
    "list_members": 1,
    "append_update": 3,
    "get_update": 3,
    "list_updates": 2,
    "clear_update": 3,
    "claim_delivery": 1,  # a DeliveryKey: its str() is kind/team/date/target
    "complete_delivery": 1,
    "release_delivery": 1,
    "list_deliveries": 2,
    "get_delivery": 1,
    "get_member_prefs": 1,
    "save_member_zone": 1,
    "set_nudges": 1,
    "save_dm_channel": 1,
    "list_updates_between": 3,
    "list_deliveries_between": 3,
}


def _target(method: str, args: tuple[Any, ...]) -> str:
    count = _TARGET_ARGS.get(method, 0)
    parts = [getattr(a, "value", a) for a in args[:count]]  # DeliveryKind -> "reminder"
    if method in ("save_team", "save_member") and args:
        parts = [getattr(args[0], "name", "") or getattr(args[0], "user_id", "")]
    return "/".join(str(p) for p in parts)


class ObservedStore:
    """Delegates to `inner`, emitting a "store" event per call."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name.startswith("_") or not callable(attribute) or name == "close":
            return attribute
        return self._observed(name, attribute)

    @staticmethod
    def _observed(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def observed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            outcome = "ok"
            try:
                return call(*args, **kwargs)
            except Exception as exc:
                outcome = f"exception:{type(exc).__name__}"
                raise
            finally:
                emit_event("store", name, _target(name, args), outcome, time.perf_counter() - start)

        return observed
