"""Marvin's flows, written on `marvin.engine`: the reminder, the standup, the nudge and
the weekly report (on schedule) and the automations (started by an event,
`flows/automations.py`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marvin.domain.run_names import (
    ESCALATE_BLOCKER_FLOW,
    LEARN_ZONE_FLOW,
    MEMBER_ACTIVE_FLOW,
    MEMBER_INACTIVE_FLOW,
    NUDGE_FLOW,
    REMINDER_FLOW,
    STANDUP_FLOW,
    WEEKLY_REPORT_FLOW,
)

if TYPE_CHECKING:
    from marvin.engine import Flow

SCHEDULED_FLOWS = (REMINDER_FLOW, STANDUP_FLOW, NUDGE_FLOW, WEEKLY_REPORT_FLOW)
"""Run on each team's schedule, or by hand with `marvin run`."""
AUTOMATIONS = (MEMBER_INACTIVE_FLOW, MEMBER_ACTIVE_FLOW, ESCALATE_BLOCKER_FLOW, LEARN_ZONE_FLOW)
"""Started by an event (`flows/automations.py` RULES), with the event as parameters."""
FLOW_NAMES = SCHEDULED_FLOWS + AUTOMATIONS


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
    if name == WEEKLY_REPORT_FLOW:
        from flows.weekly_report import flow as weekly_report

        return weekly_report
    if name == MEMBER_INACTIVE_FLOW:
        from flows.member_inactive import flow as member_inactive

        return member_inactive
    if name == MEMBER_ACTIVE_FLOW:
        from flows.member_active import flow as member_active

        return member_active
    if name == ESCALATE_BLOCKER_FLOW:
        from flows.escalate_blocker import flow as escalate_blocker

        return escalate_blocker
    if name == LEARN_ZONE_FLOW:
        from flows.learn_zone import flow as learn_zone

        return learn_zone
    raise ValueError(f"unknown flow {name!r}: expected one of {', '.join(FLOW_NAMES)}")
