"""Who holds a delivery claim, and whether anyone may take it over at once.

A claim names its owner as ``host:pid:start task-run-id``: the process (as
`marvin.store.liveness` names it) and the task run that claimed it.

- On the same host Marvin can tell at once that an owner process died (a killed
  `marvin run`, a restarted `marvin serve`) and take its claims over; for another host it
  cannot, and waits for the lease instead.
- A task run's retry takes over the claims of its own earlier attempts at once: those
  attempts have ended, so nobody else is sending. This is what saves a claim whose answer
  was lost (the store made it, the caller saw an error) or that could not be given back
  while the store was down.
- A claim handed over (`HandedOver`: part of a send may be out, nobody is sending) may be
  taken over by anyone at once.

Whoever takes a claim over asks Slack, by delivery key, what already went out.
"""

from __future__ import annotations

from marvin.domain.delivery_records import Claimed, HandedOver
from marvin.store.liveness import is_dead_here, this_process

__all__ = ["claim_owner", "may_take_over_now"]


def claim_owner(task_run_id: str | None) -> str:
    """The owner a claim records: this process, and the task run whose attempts share it."""
    return f"{this_process()} {task_run_id}" if task_run_id else this_process()


def may_take_over_now(claim: Claimed | HandedOver, owner: str) -> bool:
    """Whether `owner` may take over an unfinished claim without waiting for the lease:
    its own earlier attempt, a handed-over claim, or a claimer known to be dead."""
    if isinstance(claim, HandedOver):
        return True
    own_attempt = " " in owner and claim.owner == owner  # only a task run's own claims
    return own_attempt or is_dead_here(claim.owner)
