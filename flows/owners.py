"""Who holds a delivery claim, and whether that process is still alive.

A claim names its owner as ``host:pid:start`` (the process's start time, so a reused
pid is not mistaken for the owner). On the same host Marvin can tell at once that an
owner died (a killed `marvin run`, a restarted `marvin serve`) and take its claims
over; for another host it cannot, and waits for the lease instead.
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
def this_owner() -> str:
    """This process's owner token."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def is_dead_here(owner: str) -> bool:
    """True only when `owner` is a process of this host that no longer runs."""
    host, _, rest = owner.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or start in ("", "?"):
        return False  # another host, or no way to tell: not known to be dead
    # No shortcut for our own pid: a restarted container's `marvin serve` is pid 1 again,
    # and only the start time tells it from the predecessor that made the claim.
    return _start_time(int(pid_text)) != start
