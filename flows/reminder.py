"""The reminder flow: before standup, DM every member who has not posted yet.

Reads like the seed's positive code: get the date (none on a team holiday), the team (in a
team that reminds each member in their own zone, only the members whose zone this run is
for: `zone`), the updates and who is away; decide per member whether a reminder is needed
(SKIP when they posted, are away, chose "Skip today" or are marked inactive); the DM
carries "Write my update" and "Skip today" buttons for that date; send the reminders
(skipped along with their upstream; a refusal that says the account is gone SKIPs too,
and publishes ``slack.account_inactive`` for the `member_inactive` automation:
`flows.account_gone`); report. The reminders are the reference tasks, so a failed report
does not fail the run and one failed reminder does (and alerts).
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import (
    count_sent,
    dm_once,
    get_absences,
    get_standup_date,
    get_team,
    get_updates,
    skip_unless_still_to_post,
)
from flows.member_zones import members_in_zone, own_zone
from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Update
from marvin.domain.run_names import REMINDER_FLOW, REMINDER_NEEDED_TASK
from marvin.domain.standup import reminder_text
from marvin.engine import Flow, Parameter, task, unmapped


@task(name=REMINDER_NEEDED_TASK)
def is_reminder_needed(
    member: Member, updates: list[Update], absences: list[Absence], date: str
) -> Member:
    skip_unless_still_to_post(member, updates, absences, date)
    return member


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def send_reminder(member: Member, team: str, date: str, force: bool = False) -> str:
    """DM one member, at most once per standup date (even across retries and replicas),
    giving the standup time in their own zone too when it is not the team's."""
    the_team = services().team(team)
    text = reminder_text(member, the_team, date, own_zone(the_team, member))
    return dm_once(DeliveryKey.reminder(team, date, member.user_id), text, force,
                   "remind", "reminded")


@task(skip_on_upstream_skip=False)
def report(reminders: list[str | None] | None) -> str:
    return count_sent(reminders, "reminder")


with Flow(REMINDER_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    force = Parameter("force", default=False)
    zone = Parameter("zone", default=None)  # scheduled per zone; None: every member

    standup_date = get_standup_date(team, date, zone)
    members = get_team(team)
    due = members_in_zone(team, zone, members)
    updates = get_updates(team, standup_date)
    absences = get_absences(standup_date)
    needed = is_reminder_needed.map(due, unmapped(updates), unmapped(absences),
                                    unmapped(standup_date))
    reminders = send_reminder.map(needed, unmapped(team), unmapped(standup_date), unmapped(force))
    report(reminders)

flow.set_reference_tasks([reminders])
