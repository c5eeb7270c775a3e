"""The flows registry, and the recorded names the reports read back from reminder runs."""

from __future__ import annotations

import pytest

from flows import FLOW_NAMES, SCHEDULED_FLOWS, get_flow
from marvin.domain.run_names import (
    ESCALATE_BLOCKER_FLOW,
    LEARN_ZONE_FLOW,
    MEMBER_ACTIVE_FLOW,
    MEMBER_INACTIVE_FLOW,
    NUDGE_FLOW,
    REMINDER_FLOW,
    REMINDER_NEEDED_TASK,
    STANDUP_DATE_TASK,
    STANDUP_FLOW,
    WEEKLY_REPORT_FLOW,
)


def test_each_flow_is_found_by_the_name_it_records_runs_under() -> None:
    assert SCHEDULED_FLOWS == (REMINDER_FLOW, STANDUP_FLOW, NUDGE_FLOW, WEEKLY_REPORT_FLOW)
    assert FLOW_NAMES == (*SCHEDULED_FLOWS, MEMBER_INACTIVE_FLOW, MEMBER_ACTIVE_FLOW,
                          ESCALATE_BLOCKER_FLOW, LEARN_ZONE_FLOW)
    for name in FLOW_NAMES:
        assert get_flow(name).name == name


def test_an_unknown_flow_names_the_known_ones() -> None:
    known = "reminder, standup, nudge, weekly_report, member_inactive"
    with pytest.raises(ValueError, match=f"unknown flow 'nope': expected one of {known}"):
        get_flow("nope")


def test_the_reminder_flow_records_the_task_names_the_stats_read() -> None:
    # `marvin stats` counts reminders from these tasks' recorded runs: a rename must show here.
    tasks = {task.name: task for task in get_flow(REMINDER_FLOW).sorted_tasks()}
    assert STANDUP_DATE_TASK in tasks
    assert get_flow(REMINDER_FLOW).is_mapped(tasks[REMINDER_NEEDED_TASK])
