"""What the flows share: which standup a run is about (never a team holiday), who is on
the team, who is away, what they said, who still has to post, and a DM with the
reminder's buttons sent at most once (skipped, and the member's account reported gone,
when Slack says it is: `flows.account_gone`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import timedelta

from flows.account_gone import skip_if_gone, skip_inactive
from flows.services import services
from marvin.domain.availability import is_taking_part
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, Member, Team, Update
from marvin.domain.run_names import STANDUP_DATE_TASK
from marvin.domain.slack_fit import clip
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT
from marvin.domain.standup import (
    active_standup_date,
    is_reminder_needed,
    last_standup_date,
    local_today,
    parse_date,
    standup_instant,
)
from marvin.domain.team_holidays import holiday_name
from marvin.engine import FAIL, SKIP, get_context, task
from marvin.interactions.reminder_dm import reminder_blocks

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
def get_standup_date(team: str, date: str | None = None, zone: str | None = None) -> str:
    """The standup a reminder is for: the next one still ahead (today before standup time).

    A scheduled reminder that runs late (after downtime) keeps its slot's date, and is
    skipped if that standup has already happened: a reminder after the digest is noise.
    None on a team holiday: "today" is the one of the members reminded (`zone`, a run for
    the members in one zone) or else the team's, so a member already in the working day
    after a holiday is still reminded for it.
    """
    s = services()
    the_team = s.team(team)
    if date:
        return skip_holiday(the_team, check_date(date), "reminders")
    where = the_team if zone is None else replace(the_team, timezone=zone)
    skip_holiday(the_team, local_today(where, run_time()), "reminders")
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


def still_to_post(
    member: Member, updates: list[Update], absences: list[Absence], date: str
) -> bool:
    """Whether `member` still has to post for `date` and takes part in it: the one rule
    reminders and nudges share (no update yet, not away, no "Skip today")."""
    update = next((u for u in updates if u.user_id == member.user_id), None)
    return is_taking_part(member, date, absences, update) and is_reminder_needed(member, updates)


def skip_unless_still_to_post(
    member: Member, updates: list[Update], absences: list[Absence], date: str
) -> None:
    """SKIP a member who is marked inactive or no longer has to post (`still_to_post`):
    what the reminder and the nudge both check before messaging anyone."""
    skip_inactive(member)
    if not still_to_post(member, updates, absences, date):
        raise SKIP(f"{member.user_id} already posted, is away or skipped the day")


def dm_once(key: DeliveryKey, text: str, force: bool, verb: str, done: str) -> str:
    """DM `key.target` (a member) `text` with the reminder's buttons for `key.date`, at most
    once per key (even across retries and replicas); says what happened, e.g. "reminded U1"
    (`done`) or, in a dry run, "would remind U1" (`verb`). SKIPs when Slack says the
    member's account is gone (`skip_if_gone`)."""
    s = services()
    user = key.target
    # Built from checked parts and short; clipped all the same so no team setting can
    # make it a message Slack refuses.
    text = clip(text, ADVISED_MESSAGE_TEXT)
    try:
        with s.outbox.claim(key, force=force) as out:
            out.post_dm(user, text, reminder_blocks(text, key.date))
    except FAIL as failed:
        skip_if_gone(failed, key.team, user)
        raise
    if s.dry_run:
        return f"would {verb} {user}"
    get_context().logger.info("%s %s for %s", done, user, key.date)
    return f"{done} {user}"


def count_sent(results: list[str | None] | None, what: str) -> str:
    """"2 reminder(s) sent, 1 not needed": a mapped send's results (None: skipped)."""
    results = results or []  # None when the sends were skipped as a whole
    sent = [r for r in results if r]
    summary = f"{len(sent)} {what}(s) sent, {len(results) - len(sent)} not needed"
    get_context().logger.info(summary)
    return summary
