"""Tasks both flows share: which standup a run is about (never a team holiday), who is on
the team, who is away, what they said."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from flows.services import services
from marvin.domain.models import Absence, Member, Team, Update
from marvin.domain.run_names import STANDUP_DATE_TASK
from marvin.domain.standup import (
    active_standup_date,
    last_standup_date,
    local_today,
    parse_date,
    standup_instant,
)
from marvin.domain.team_holidays import holiday_name
from marvin.engine import SKIP, get_context, task

STORE_RETRY_DELAY = timedelta(seconds=2)  # a blip in the store is worth two more tries


def run_time() -> dt.datetime:
    """When this run is "for": its scheduled time if scheduled (a late run still belongs to
    its slot), else now."""
    scheduled = get_context().scheduled_start_time
    return scheduled if scheduled is not None else services().now()


def check_date(date: str) -> str:
    """A YYYY-MM-DD date as given; ValueError with an example otherwise (see `parse_date`)."""
    return parse_date(date).isoformat()


@task(name=STANDUP_DATE_TASK)
def get_standup_date(team: str, date: str | None = None) -> str:
    """The standup a reminder is for: the next one still ahead (today before standup time).

    A scheduled reminder that runs late (after downtime) keeps its slot's date, and is
    skipped if that standup has already happened: a reminder after the digest is noise.
    """
    s = services()
    the_team = s.team(team)
    if date:
        return skip_holiday(the_team, check_date(date), "reminders")
    skip_holiday(the_team, local_today(the_team, run_time()), "reminders")
    standup_date = active_standup_date(the_team, run_time())
    if s.now() >= standup_instant(the_team, standup_date):
        raise SKIP(f"the {standup_date} standup has already happened; no reminders now")
    return standup_date


@task
def get_digest_date(team: str, date: str | None = None) -> str:
    """The standup a digest is for: the latest one whose time has come; none on a team
    holiday (the digest of the standup before it went out on its own day)."""
    the_team = services().team(team)
    if date:
        return skip_holiday(the_team, check_date(date), "digest")
    skip_holiday(the_team, local_today(the_team, run_time()), "digest")
    return last_standup_date(the_team, run_time())


def skip_holiday(team: Team, date: str, what: str) -> str:
    """`date` when it is a working day for `team`; SKIP naming the holiday otherwise."""
    name = holiday_name(team, date)
    if name is not None:
        raise SKIP(f"{date} is a team holiday ({name}): no {what}")
    return date


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_team(team: str) -> list[Member]:
    return services().store.list_members(team)


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_absences(date: str) -> list[Absence]:
    """Everyone's time off not over by `date` (who is away is `is_taking_part`'s to say)."""
    return services().store.absences_from(date)


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_updates(team: str, date: str) -> list[Update]:
    return services().store.list_updates(team, date)
