"""The weekly report flow: once a week, at the team's `weekly_report` time, post the
week's participation, blockers, streaks and digest links to the team's channel.

At most once per team, week and channel (a delivery claim keyed by the week's Monday),
recorded like every run. Run by hand with ``marvin run weekly_report --team T [--date D]``
for the week of D (default: today), `standup_channel` to post elsewhere.
"""

from __future__ import annotations

from datetime import timedelta

from flows.alerts import alert_on_failure
from flows.common import STORE_RETRY_DELAY, check_date, run_time
from flows.services import services
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.models import DEFAULT_TEAM, Absence, DeliveryKind, Member, Update
from marvin.domain.quiet_digest import without_mentions
from marvin.domain.run_names import WEEKLY_REPORT_FLOW
from marvin.domain.standup import last_standup_date, standup_days
from marvin.domain.weekly import week_of
from marvin.engine import Flow, Parameter, get_context, task
from marvin.reports.weekly_report import PostedDigest, streak_start, weekly_report


@task
def get_report_date(team: str, date: str | None = None) -> str:
    """The last date the report counts: `date`, or the latest standup whose time has come
    (a report set before Monday's standup reports the week just ended)."""
    if date:
        return check_date(date)
    return last_standup_date(services().team(team), run_time())


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_members(team: str) -> list[Member]:
    """Current and former members: someone who left mid-week still counts for the days
    they were in the team."""
    return services().store.list_members(team, include_former=True)


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_week_updates(team: str, date: str) -> list[Update]:
    """The updates from the streaks' look-back to `date`, in one paged read."""
    return list(services().store.iter_team_updates(team, streak_start(date), date))


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_time_off(team: str, date: str) -> list[Absence]:
    """Time off reaching into the streaks' look-back (away days are counted apart, and
    neither break nor lengthen a streak)."""
    return services().store.absences_from(streak_start(date))


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_digests(team: str, date: str) -> dict[str, PostedDigest]:
    """Where each digest of the week went in the team's channel (from the delivery
    records: the stored channel id and first message's ts)."""
    s = services()
    the_team = s.team(team)
    monday, _ = week_of(date)
    found = {}
    for day in standup_days(the_team, monday, date):
        for delivery in s.store.list_deliveries(team, day):
            if delivery.kind is not DeliveryKind.DIGEST or delivery.target != the_team.channel:
                continue
            state = read_detail(delivery)
            if isinstance(state, Sent) and state.channel and state.timestamps:
                found[day] = PostedDigest(state.channel, state.timestamps[0])
    return found


@task(max_retries=3, retry_delay=timedelta(seconds=5))
def post_report(
    team: str, date: str, members: list[Member], updates: list[Update],
    digests: dict[str, PostedDigest], absences: list[Absence], channel: str | None = None,
    force: bool = False,
) -> str:
    """Post the report once per team, week and channel (even across retries and replicas)."""
    s = services()
    the_team = s.team(team)
    channel = channel or the_team.channel
    messages = weekly_report(the_team, date, members, updates, digests, absences)
    if channel != the_team.channel:  # by hand elsewhere (#testing): name people, never ping
        messages = without_mentions(messages, members)
    monday, _ = week_of(date)
    with s.outbox.claim(DeliveryKey.weekly_report(team, monday, channel), force=force) as out:
        out.post_parts(channel, messages)
    summary = f"posted the weekly report of {monday} to {channel} in {len(messages)} message(s)"
    get_context().logger.info(summary)
    return summary


with Flow(WEEKLY_REPORT_FLOW, on_failure=alert_on_failure) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    date = Parameter("date", default=None)
    standup_channel = Parameter("standup_channel", default=None)
    force = Parameter("force", default=False)

    report_date = get_report_date(team, date)
    post_report(team, report_date, get_members(team), get_week_updates(team, report_date),
                get_digests(team, report_date), get_time_off(team, report_date),
                standup_channel, force)


