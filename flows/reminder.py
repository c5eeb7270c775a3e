"""The reminder flow: before standup, DM every member who has not posted yet.

Reads like the seed's positive code: get the date (none on a team holiday), the team, the
updates and who is away; decide per member whether a reminder is needed (SKIP when they
posted, are away or chose "Skip today"); the
DM carries "Write my update" and "Skip today" buttons for that date; send the reminders (skipped
along with their upstream); report. The reminders are the reference tasks, so a failed
report does not fail the run and one failed reminder does (and alerts).
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import get_absences, get_standup_date, get_team, get_updates
from flows.services import services
from marvin.domain.availability import is_taking_part
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Update
from marvin.domain.run_names import REMINDER_FLOW, REMINDER_NEEDED_TASK
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT
from marvin.domain.standup import is_reminder_needed as needs_reminder
from marvin.domain.standup import reminder_text
from marvin.engine import SKIP, Flow, Parameter, get_context, task, unmapped
from marvin.interactions.reminder_dm import reminder_blocks


@task(name=REMINDER_NEEDED_TASK)
def is_reminder_needed(
    member: Member, updates: list[Update], absences: list[Absence], date: str
) -> Member:
    update = next((u for u in updates if u.user_id == member.user_id), None)
    if not is_taking_part(member, date, absences, update):
        raise SKIP(f"{member.user_id} is away or skipped the day")
    if not needs_reminder(member, updates):
        raise SKIP(f"{member.user_id} already posted")
    return member


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def send_reminder(member: Member, team: str, date: str, force: bool = False) -> str:
    """DM one member, at most once per standup date (even across retries and replicas)."""
    s = services()
    user = member.user_id
    # Built from checked parts and short; clipped all the same so no team setting can
    # make it a message Slack refuses.
    text = clip(reminder_text(member, s.team(team), date), ADVISED_MESSAGE_TEXT)
    with s.outbox.claim(DeliveryKey.reminder(team, date, user), force=force) as out:
        out.post_dm(user, text, reminder_blocks(text, date))
    if s.dry_run:
        return f"would remind {user}"
    get_context().logger.info("reminded %s for %s", user, date)
    return f"reminded {user}"


@task(skip_on_upstream_skip=False)
def report(reminders: list[str | None] | None) -> str:
    reminders = reminders or []  # None when the reminders were skipped as a whole
    sent = [r for r in reminders if r]
    summary = f"{len(sent)} reminder(s) sent, {len(reminders) - len(sent)} not needed"
    get_context().logger.info(summary)
    return summary


with Flow(REMINDER_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    force = Parameter("force", default=False)

    standup_date = get_standup_date(team, date)
    members = get_team(team)
    updates = get_updates(team, standup_date)
    absences = get_absences(standup_date)
    needed = is_reminder_needed.map(members, unmapped(updates), unmapped(absences),
                                    unmapped(standup_date))
    reminders = send_reminder.map(needed, unmapped(team), unmapped(standup_date), unmapped(force))
    report(reminders)

flow.set_reference_tasks([reminders])
