"""The `member_active` automation: a member Marvin knew as inactive is back in Slack.

Started by ``slack.account_active`` (a ``user_change`` event with ``deleted`` false for a
member stored as inactive): they are active again, reminded and listed as before. Nobody
is told; a later deactivation is a new one, told again.
"""

from __future__ import annotations

from dataclasses import replace

from flows.common import STORE_RETRY_DELAY
from flows.services import services
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.run_names import MEMBER_ACTIVE_FLOW
from marvin.engine import SKIP, Flow, Parameter, task


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def mark_active(user: str) -> str:
    store = services().store
    member = store.get_member(user)
    if member is None or member.is_active:
        raise SKIP(f"{user} is not an inactive member")
    store.save_member(replace(member, inactive_since=None, inactive_reason=""))
    return f"{user} is active again"


with Flow(MEMBER_ACTIVE_FLOW) as flow:
    Parameter("team", default=DEFAULT_TEAM)
    user = Parameter("user")
    Parameter("event", default="")
    Parameter("event_id", default="")

    mark_active(user)
