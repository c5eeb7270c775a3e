"""Scheduling: each team's reminder, standup and nudge flows at its local times, on its days.

A team that reminds each member in their own zone (``reminder_zone = member``) has one
reminder job per distinct zone of its members, not one per member: each run gets its
`zone` and reminds only the members in it. Its standup and nudge stay in the team's zone.

Example::

    scheduler = FlowScheduler(store, settings, run=run_scheduled, now=clock)
    scheduler.start()        # APScheduler jobs, plus catch-up of runs missed while down

The only package that imports an APScheduler scheduler: `plan.py` says what to
schedule and when, `flow_scheduler.py` runs it. Fire times come from the
engine's `CronClock` (wrapped as an APScheduler trigger), so `marvin schedule`, the
jobs and the standup-date rules agree, DST days included. Missed runs (downtime) are
run late within a grace period. Each job's latest slot is claimed in the store before it
runs (`SlotClaim`, compare-and-set): a restarted `marvin serve` catches up only slots that
never ran (or whose run died with its process), and of two replicas one runs each slot.
Delivery claims remain the last line: a slot run twice would still send nothing twice.
Every replica also looks, every `takeover_interval`, for slots whose claimer died or whose
lease ran out, and takes them over; run history is pruned once per hour in total (the
prune takes a slot claim too), not once per replica.

With ``MARVIN_SCHEDULER=external`` nothing here fires: `marvin.web.jobs` runs the slot a
POST /jobs/{flow} asks for through the same `FlowScheduler.run_slot` and its claim.
"""

from __future__ import annotations

from marvin.scheduler.flow_scheduler import (
    PRUNE_INTERVAL_SECONDS,
    PRUNE_JOB,
    RELEASED,
    SKIPPED,
    TAKEOVER_SECONDS,
    ZONE_SYNC_SECONDS,
    ClockTrigger,
    FlowScheduler,
    RunScheduled,
    background_scheduler,
)
from marvin.scheduler.plan import (
    HolidaySkip,
    SlotRun,
    UpcomingRun,
    due_slot,
    flow_schedules,
    job_id,
    member_zones,
    slot_time,
    team_clocks,
    team_jobs,
    teams_to_schedule,
    upcoming,
)

__all__ = [
    "ClockTrigger",
    "FlowScheduler",
    "PRUNE_INTERVAL_SECONDS",
    "PRUNE_JOB",
    "RELEASED",
    "RunScheduled",
    "SKIPPED",
    "SlotRun",
    "TAKEOVER_SECONDS",
    "HolidaySkip",
    "UpcomingRun",
    "ZONE_SYNC_SECONDS",
    "background_scheduler",
    "due_slot",
    "flow_schedules",
    "job_id",
    "member_zones",
    "slot_time",
    "team_clocks",
    "team_jobs",
    "teams_to_schedule",
    "upcoming",
]
