"""The `escalate_blocker` automation: a member reported a blocker; tell the team's lead.

Started by ``standup.blocker_reported`` (an update saved with a non-empty answer to a
blockers question). The blocker goes to the team's `lead` by DM and to its
`blockers_channel` (``marvin team set --lead U.. --blockers-channel #..``), once per member
and standup date: the event's id is the same for every edit of that update, and each
notice is a delivery claim besides.
"""

from __future__ import annotations

from flows.common import STORE_RETRY_DELAY
from flows.notices import send_notice
from flows.services import services
from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import DEFAULT_TEAM
from marvin.domain.run_names import ESCALATE_BLOCKER_FLOW
from marvin.engine import SKIP, Flow, Parameter, task, unmapped


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def get_blocker(team: str, date: str, user: str) -> str:
    """The blocker as the member wrote it (now: an edit may have cleared it since)."""
    update = services().store.get_update(team, date, user)
    blockers = [a.text.strip() for a in (update.answers if update else ()) if a.blockers]
    text = "\n".join(b for b in blockers if b)
    if not text:
        raise SKIP(f"{user} has no blocker for {date} (any more)")
    return text


@task
def blocker_targets(team: str) -> list[str]:
    """The team's lead (by DM) and its blockers channel, those that are set."""
    the_team = services().team(team)
    targets = [t for t in (the_team.lead, the_team.blockers_channel) if t]
    if not targets:
        raise SKIP(f"team {team} has no lead and no blockers channel "
                   "(marvin team set --lead/--blockers-channel)")
    return targets


@task
def blocker_text(team: str, date: str, user: str, blocker: str) -> str:
    return (f":construction: <@{user}> is blocked ({escape_mrkdwn(team)}, {date}):\n"
            f"{escape_mrkdwn(blocker)}")


with Flow(ESCALATE_BLOCKER_FLOW) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    user = Parameter("user")
    date = Parameter("event_date")
    Parameter("event", default="")
    Parameter("event_id", default="")

    blocker = get_blocker(team, date, user)
    targets = blocker_targets(team)
    send_notice.map(targets, unmapped(team), unmapped(date), unmapped(user),
                    unmapped(blocker_text(team, date, user, blocker)))
