"""Who holds a delivery claim, and whether anyone may take it over at once.

A claim names its owner as ``host:pid:start task-run-id``: the process (its start time
too, so a reused pid is not mistaken for the owner) and the task run that claimed it.

- On the same host Marvin can tell at once that an owner process died (a killed
  `marvin run`, a restarted `marvin serve`) and take its claims over; for another host it
  cannot, and waits for the lease instead.
- A task run's retry takes over the claims of its own earlier attempts at once: those
  attempts have ended, so nobody else is sending. This is what saves a claim whose answer
  was lost (the store made it, the caller saw an error) or that could not be given back
  while the store was down.
- A claim handed over with `resumable` (part of a send may be out, nobody is sending)
  may be taken over by anyone at once.

Whoever takes a claim over asks Slack, by delivery key, what already went out.
"""

from __future__ import annotations

import os
import socket
from functools import lru_cache

RESUMABLE = "resumable: "
"""Prefix of a claim's detail when its sender stopped and handed it over."""


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
    """This process's owner token, ``host:pid:start``."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def claim_owner(task_run_id: str | None) -> str:
    """The owner a claim records: this process, and the task run whose attempts share it."""
    return f"{this_owner()} {task_run_id}" if task_run_id else this_owner()


def resumable(reason: str) -> str:
    """The detail of a claim handed over for anyone to resume, saying why."""
    return f"{RESUMABLE}{reason}"


def is_dead_here(owner: str) -> bool:
    """True only when `owner` is a process of this host that no longer runs."""
    process = owner.split(" ", 1)[0]
    host, _, rest = process.partition(":")
    pid_text, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit() or start in ("", "?"):
        return False  # another host, or no way to tell: not known to be dead
    # No shortcut for our own pid: a restarted container's `marvin serve` is pid 1 again,
    # and only the start time tells it from the predecessor that made the claim.
    return _start_time(int(pid_text)) != start


def may_take_over_now(claim_detail: str, owner: str) -> bool:
    """Whether `owner` may take over an unfinished claim whose detail is `claim_detail`
    without waiting for the lease: its own earlier attempt, a handed-over claim, or a
    claimer known to be dead."""
    own_attempt = " " in owner and claim_detail == owner  # only a task run's own claims
    return (
        own_attempt
        or claim_detail.startswith(RESUMABLE)
        or is_dead_here(claim_detail)
    )
