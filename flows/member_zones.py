"""Which members a reminder run is for: those whose reminder zone is the run's zone.

A team with ``reminder_zone = member`` is scheduled once per distinct zone of its members
(`marvin.scheduler`), each run with a `zone` parameter; this task keeps the members whose
zone (`marvin.domain.zones.member_zone`) is that zone. Before choosing, it asks Slack
(``users.info``) for the zones it has not asked for within a day and keeps them in the
store; a `user_change` event refreshes a zone sooner. Slack failing to answer is not a
failure of the run: the zone kept before (or the team's) is used and the next run asks
again. A run without a zone (by hand) is for every member.
"""

from __future__ import annotations

from flows.common import STORE_RETRY_DELAY
from flows.services import Services, services
from marvin.domain.models import Member, MemberPrefs, Team
from marvin.domain.zones import member_zone, needs_zone_refresh, personal_zone
from marvin.engine import get_context, task
from marvin.slack.protocol import SlackError, UserZones
from marvin.store.base import StoreError


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def members_in_zone(team: str, zone: str | None, members: list[Member]) -> list[Member]:
    s = services()
    the_team = s.team(team)
    if the_team.reminder_zone != "member":
        return members if zone in (None, the_team.timezone) else []
    prefs = refreshed_zones(s, members)
    if zone is None:
        return members
    return [m for m in members if member_zone(the_team, prefs.get(m.user_id)) == zone]


def refreshed_zones(s: Services, members: list[Member]) -> dict[str, MemberPrefs]:
    """Each member's kept preferences, their zone asked of Slack again where it is stale."""
    kept = {p.user_id: p for p in s.store.list_member_prefs([m.user_id for m in members])}
    if s.dry_run or not isinstance(s.chat, UserZones):  # a dry run writes nothing
        return kept
    now = s.now()
    for member in members:
        user = member.user_id
        if not needs_zone_refresh(kept.get(user), now):
            continue
        try:
            tz = s.chat.user_zone(user)
        except SlackError as exc:
            get_context().logger.warning("zone of %s not refreshed: %s", user, exc)
            continue
        s.store.save_member_zone(user, tz, now)
        nudges = kept[user].nudges if user in kept else True
        kept[user] = MemberPrefs(user, tz, now, nudges)
    return kept


def own_zone(team: Team, member: Member) -> str:
    """The zone `member` lives in as kept (`members_in_zone` refreshed it this run), for
    the time their reminder shows; the team's when none is kept or the store fails (the
    reminder still goes, in the team's time)."""
    try:
        prefs = services().store.get_member_prefs(member.user_id)
    except StoreError as exc:
        get_context().logger.warning("zone of %s not read: %s", member.user_id, exc)
        return team.timezone
    return personal_zone(team, prefs)
