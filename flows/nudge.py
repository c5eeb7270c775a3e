"""The nudge flow: shortly before standup, a second, shorter DM to who has still not posted.

Scheduled `nudge_before` minutes before the team's standup (`marvin.domain.nudge`), for
teams that set it. The same shape as the reminder flow: the standup date still ahead, the
team, their updates, who is away and nudge choices; per member, SKIP those who posted,
are away or skipped the day (the reminders' rule, `still_to_post`), are marked inactive,
or turned nudges off; send each nudge through its own delivery claim
(``nudge/TEAM/DATE/USER``), so a member is nudged at most once per date across retries,
re-runs and replicas, whatever happened to their reminder. A refusal that says the
account is gone SKIPs, as for the reminder (`flows.account_gone`).
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import (
    STORE_RETRY_DELAY,
    count_sent,
    dm_once,
    get_absences,
    get_standup_date,
    get_team,
    get_updates,
    skip_unless_still_to_post,
)
from flows.member_zones import own_zone
from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DEFAULT_TEAM, Absence, Member, Update
from marvin.domain.nudge import nudge_text
from marvin.domain.run_names import NUDGE_FLOW
from marvin.engine import SKIP, Flow, Parameter, task, unmapped


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_nudges_off(members: list[Member]) -> list[str]:
    """The members who turned nudges off (`/standup nudges off`)."""
    kept = services().store.list_member_prefs([m.user_id for m in members])
    return [prefs.user_id for prefs in kept if not prefs.nudges]


@task
def is_nudge_needed(
    member: Member, updates: list[Update], absences: list[Absence], date: str,
    nudges_off: list[str],
) -> Member:
    if member.user_id in nudges_off:
        raise SKIP(f"{member.user_id} turned nudges off")
    skip_unless_still_to_post(member, updates, absences, date)
    return member


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def send_nudge(member: Member, team: str, date: str, force: bool = False) -> str:
    """DM one member, at most once per standup date (even across retries and replicas),
    with the standup time in their own zone too when it is not the team's."""
    the_team = services().team(team)
    text = nudge_text(member, the_team, date, own_zone(the_team, member))
    return dm_once(DeliveryKey.nudge(team, date, member.user_id), text, force,
                   "nudge", "nudged")


@task(skip_on_upstream_skip=False)
def report(nudges: list[str | None] | None) -> str:
    return count_sent(nudges, "nudge")


with Flow(NUDGE_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    force = Parameter("force", default=False)

    standup_date = get_standup_date(team, date)
    members = get_team(team)
    updates = get_updates(team, standup_date)
    absences = get_absences(standup_date)
    nudges_off = get_nudges_off(members)
    needed = is_nudge_needed.map(members, unmapped(updates), unmapped(absences),
                                 unmapped(standup_date), unmapped(nudges_off))
    nudges = send_nudge.map(needed, unmapped(team), unmapped(standup_date), unmapped(force))
    report(nudges)

flow.set_reference_tasks([nudges])
