"""The seed's reminder check, shared by the engine tests that build its reminder flow."""

from __future__ import annotations

from marvin.engine import SKIP, task


@task
def is_reminder_needed(member: str, updates: dict[str, str]) -> str:
    if member in updates:
        raise SKIP(f"{member} already posted")
    return member
