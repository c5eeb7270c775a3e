"""The names runs are recorded under that code outside the flows reads back.

The reports read recorded reminder runs (which members `is_reminder_needed` let through, which
date `get_standup_date` chose), and the reports sit below the flows, so they cannot import
the tasks. The flows name their flows and tasks with these constants instead, and the reports
look for the same constants: renaming a task here renames it in both places at once.
"""

from __future__ import annotations

__all__ = [
    "ESCALATE_BLOCKER_FLOW",
    "LEARN_ZONE_FLOW",
    "MEMBER_ACTIVE_FLOW",
    "MEMBER_INACTIVE_FLOW",
    "NUDGE_FLOW",
    "REMINDER_FLOW",
    "REMINDER_NEEDED_TASK",
    "STANDUP_DATE_TASK",
    "STANDUP_FLOW",
    "WEEKLY_REPORT_FLOW",
]

REMINDER_FLOW = "reminder"
STANDUP_FLOW = "standup"
NUDGE_FLOW = "nudge"
WEEKLY_REPORT_FLOW = "weekly_report"
#: Automations (flows started by an event, `flows/automations.py`).
MEMBER_INACTIVE_FLOW = "member_inactive"
MEMBER_ACTIVE_FLOW = "member_active"
ESCALATE_BLOCKER_FLOW = "escalate_blocker"
LEARN_ZONE_FLOW = "learn_member_zone"
#: Decides which standup a reminder run is for; its result is that date (YYYY-MM-DD).
STANDUP_DATE_TASK = "get_standup_date"
#: Mapped over the team; a child that ran (not skipped) is a member who needed a reminder.
REMINDER_NEEDED_TASK = "is_reminder_needed"
