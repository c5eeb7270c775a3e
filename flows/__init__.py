"""Marvin's flows: the reminder and the standup, written on `marvin.engine`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marvin.domain.run_names import REMINDER_FLOW, STANDUP_FLOW

if TYPE_CHECKING:
    from marvin.engine import Flow

FLOW_NAMES = (REMINDER_FLOW, STANDUP_FLOW)


def get_flow(name: str) -> Flow:
    """A flow by name (imported on demand)."""
    if name == REMINDER_FLOW:
        from flows.reminder import flow as reminder

        return reminder
    if name == STANDUP_FLOW:
        from flows.standup import flow as standup

        return standup
    raise ValueError(f"unknown flow {name!r}: expected one of {', '.join(FLOW_NAMES)}")
