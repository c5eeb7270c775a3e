"""The reminder flow: before standup, DM every member who has not posted yet.

Reads like the seed's positive code: get the date, the team and the updates; decide per
member whether a reminder is needed (SKIP when they posted, chose "Skip today", or Slack
cannot reach them: a refusal that says the account is gone SKIPs too, and publishes
``slack.account_inactive`` for the `member_inactive` automation); the
DM carries "Write my update" and "Skip today" buttons for that date; send the reminders (skipped
along with their upstream); report. The reminders are the reference tasks, so a failed
report does not fail the run and one failed reminder does (and alerts).
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import get_standup_date, get_team, get_updates
from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.events import ACCOUNT_INACTIVE, GONE_ERRORS, Event
from marvin.domain.models import DEFAULT_TEAM, Member, Update
from marvin.domain.run_names import REMINDER_FLOW, REMINDER_NEEDED_TASK
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT
from marvin.domain.standup import is_reminder_needed as needs_reminder
from marvin.domain.standup import reminder_text
from marvin.engine import FAIL, SKIP, Flow, Parameter, get_context, task, unmapped
from marvin.history.events import publish
from marvin.interactions.reminder_dm import reminder_blocks
from marvin.slack.protocol import SlackError, UserStatus


@task(name=REMINDER_NEEDED_TASK)
def is_reminder_needed(member: Member, updates: list[Update]) -> Member:
    if not member.is_active:
        raise SKIP(f"{member.user_id} is inactive in Slack ({member.inactive_reason}) "
                   f"since {member.inactive_since}")
    if not needs_reminder(member, updates):
        raise SKIP(f"{member.user_id} already posted or skipped the day")
    return member


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def send_reminder(member: Member, team: str, date: str, force: bool = False) -> str:
    """DM one member, at most once per standup date (even across retries and replicas)."""
    s = services()
    user = member.user_id
    # Built from checked parts and short; clipped all the same so no team setting can
    # make it a message Slack refuses.
    text = clip(reminder_text(member, s.team(team), date), ADVISED_MESSAGE_TEXT)
    try:
        with s.outbox.claim(DeliveryKey.reminder(team, date, user), force=force) as out:
            out.post_dm(user, text, reminder_blocks(text, date))
    except FAIL as failed:
        gone = gone_error(failed)
        if gone is None or not confirmed_gone(user, gone):
            raise
        # Not this run's failure (nor tomorrow's): the automation marks the member
        # inactive and tells the admins once, after this run.
        event_id = f"{get_context().flow_run_id}/{user}"
        publish(Event(ACCOUNT_INACTIVE, event_id, team, user, s.now(), {"reason": gone}))
        raise SKIP(f"Slack cannot reach {user} ({gone}): to be marked inactive") from None
    if s.dry_run:
        return f"would remind {user}"
    get_context().logger.info("reminded %s for %s", user, date)
    return f"reminded {user}"


def gone_error(failure: BaseException) -> str | None:
    """The Slack error behind `failure` when it means the member cannot be reached for
    good (`GONE_ERRORS`), else None."""
    cause: BaseException | None = failure
    while cause is not None:
        if isinstance(cause, SlackError):
            return cause.error if cause.error in GONE_ERRORS else None
        cause = cause.__cause__ or cause.__context__
    return None


def confirmed_gone(user: str, error: str) -> bool:
    """Whether `error` is about the member. ``account_inactive`` is also Slack's answer to a
    token whose workspace or bot user was deleted, which refuses every call: a member is
    marked only when ``users.info`` says the account is deactivated or unknown. Had the
    token been refused, every member would have been marked; now the run fails and alerts."""
    if error != "account_inactive":
        return True
    try:
        return services().chat.user_status(user) is not UserStatus.ACTIVE
    except SlackError:
        return False


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
    needed = is_reminder_needed.map(members, unmapped(updates))
    reminders = send_reminder.map(needed, unmapped(team), unmapped(standup_date), unmapped(force))
    report(reminders)

flow.set_reference_tasks([reminders])
