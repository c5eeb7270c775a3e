"""The `learn_member_zone` automation: a new member's time zone, asked of Slack at once.

Started by ``standup.member_joined`` (a first `/standup`, `/standup join`), so a member
who lives in another zone is reminded in it (and shown their own time) from their first
standup on, not only after the next reminder run in the team's zone has asked Slack. A
zone asked within a day is not asked again (SKIP); Slack not answering fails the run, and
the automation pass tries it again (`flows.automations`).
"""

from __future__ import annotations

from flows.common import STORE_RETRY_DELAY
from flows.services import services
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.run_names import LEARN_ZONE_FLOW
from marvin.domain.zones import needs_zone_refresh
from marvin.engine import SKIP, Flow, Parameter, task
from marvin.slack.protocol import UserZones


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def learn_zone(user: str) -> str:
    """Ask Slack for `user`'s zone and keep it; what was kept ("none": no zone in the
    profile, the team's is used)."""
    s = services()
    now = s.now()
    if not needs_zone_refresh(s.store.get_member_prefs(user), now):
        raise SKIP(f"the zone of {user} was asked of Slack within a day")
    if s.dry_run or not isinstance(s.chat, UserZones):
        raise SKIP("a dry run asks Slack nothing")
    zone = s.chat.user_zone(user)  # a SlackError fails the run: the automation pass retries
    s.store.save_member_zone(user, zone, now)
    return zone or "none"


with Flow(LEARN_ZONE_FLOW) as flow:
    Parameter("team", default=DEFAULT_TEAM)
    user = Parameter("user")
    Parameter("event", default="")
    Parameter("event_id", default="")
    learn_zone(user)
