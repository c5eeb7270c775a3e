"""Marvin's flows: the reminder, the standup and the nudge, written on `marvin.engine`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marvin.domain.run_names import NUDGE_FLOW, REMINDER_FLOW, STANDUP_FLOW

if TYPE_CHECKING:
    from marvin.engine import Flow

FLOW_NAMES = (REMINDER_FLOW, STANDUP_FLOW, NUDGE_FLOW)


def get_flow(name: str) -> Flow:
    """A flow by name (imported on demand)."""
    if name == REMINDER_FLOW:
        from flows.reminder import flow as reminder

        return reminder
    if name == STANDUP_FLOW:
        from flows.standup import flow as standup

        return standup
    if name == NUDGE_FLOW:
        from flows.nudge import flow as nudge

        return nudge
    raise ValueError(f"unknown flow {name!r}: expected one of {', '.join(FLOW_NAMES)}")
