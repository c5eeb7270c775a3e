"""Deadline checks for tests: "this ends within a generous bound", never a timing.

A loaded machine makes any call slower, so tests do not assert how long something took;
they assert that it ended at all within a bound several times what it should take, and
that bound is chosen so that the failure they guard against (a library retrying for a
minute, a call with no timeout) would still exceed it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def finishes_within(seconds: float, call: Callable[[], object]) -> BaseException | None:
    """Run `call` in a thread; fail unless it ends within `seconds`. Returns what it raised
    (None if it returned)."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            raised.append(exc)

    thread = threading.Thread(target=run, name="deadline-check", daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return raised[0] if raised else None
