"""Naming a process so that others can tell, later, whether it is still alive.

A process is named ``host:pid:start``: the start time (clock ticks since boot, from
``/proc``) keeps a reused pid from being mistaken for the process that had it. On the
same host `is_dead_here` can then tell at once that a process died (a killed `marvin
run`, a restarted container's `marvin serve`, which is pid 1 again); for another host it
cannot, and callers fall back on time (a lease). Used for delivery claims
(`marvin.delivery.owners`) and for runs the run history still shows as running.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return fields[19]  # field 22 of stat(5), counted after the command name
    except (OSError, IndexError):
        return None


@lru_cache(maxsize=1)
def this_process() -> str:
    """This process's name, ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def is_dead_here(name: str) -> bool:
    """True only when `name` (``host:pid:start``, anything after a space ignored) is a
    process of this host that no longer runs."""
    process = name.split(" ", 1)[0]
    host, _, rest = process.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or start in ("", "?"):
        return False  # another host, or no way to tell: not known to be dead
    # No shortcut for our own pid: a restarted container's `marvin serve` is pid 1 again,
    # and only the start time tells it from the predecessor.
    return _start_time(int(pid_text)) != start


def is_alive_here(name: str) -> bool:
    """True only when `name` is a process of this host that still runs (the same pid AND
    start time): neither dead nor on another host, where only a lease can tell."""
    process = name.split(" ", 1)[0]
    host, _, rest = process.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or start in ("", "?"):
        return False
    return _start_time(int(pid_text)) == start
