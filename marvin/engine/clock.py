"""Clocks: where the engine gets "now" and how it waits, injected so tests never sleep.

Example::

    clock = FakeClock(start=1_700_000_000.0)
    flow.run(clock=clock)          # retries "wait" by advancing the fake time
    assert clock.slept == [5.0]

Time is epoch seconds as a float: the runner stamps every state, so the cheapest
possible representation wins; pendulum views are built only when someone looks.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Protocol
else:  # a plain base class at run time: importing `typing` costs more than the engine
    Protocol = object

__all__ = ["Clock", "SystemClock", "FakeClock"]


class Clock(Protocol):
    """A source of time for a run."""

    def now(self) -> float:
        """Epoch seconds."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait, e.g. between retries."""
        ...


class SystemClock:
    """Real time."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """Time that moves only when told to (or when someone sleeps): deterministic tests.

    Picklable, so it can travel with a run to another process (e.g. a Dask worker); the
    copy there is a *separate* clock: it starts at the time it was sent and its sleeps
    and ticks are not seen by the original (nor by the other workers' copies).
    """

    def __init__(self, start: float = 1_767_225_600.0, tick: float = 0.0) -> None:
        """Args:
        start: the initial epoch seconds (default 2026-01-01T00:00:00Z).
        tick: seconds added on every `now()`, to give runs distinct start/end times.
        """
        import threading

        self._now = start
        self._tick = tick
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        del state["_lock"]  # a lock cannot be pickled; the copy gets its own
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        import threading

        self.__dict__.update(state)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            value = self._now
            self._now += self._tick
            return value

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += max(seconds, 0.0)

    def advance(self, seconds: float) -> None:
        """Move time forward without anyone sleeping."""
        with self._lock:
            self._now += seconds
