"""The `member_inactive` automation: Slack cannot reach a member; stop reminding them, tell admins.

Started by ``slack.account_inactive`` (a reminder refused with ``account_inactive``,
``user_not_found`` or ``cannot_dm_bot``; ``user_change`` with ``deleted`` true). The member
is marked inactive (kept in the team: not reminded, not listed as missing) and every
admin (MARVIN_ADMINS, by DM) and the alert channel (MARVIN_ALERT_CHANNEL) are told, once
per member and deactivation: the notice is keyed by the day the member was first marked,
which later runs keep.
"""

from __future__ import annotations

from dataclasses import replace

from flows.common import STORE_RETRY_DELAY
from flows.notices import send_notice
from flows.services import services
from marvin.domain.digest import escape_mrkdwn
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.domain.run_names import MEMBER_INACTIVE_FLOW
from marvin.engine import SKIP, Flow, Parameter, task, unmapped


@task(max_retries=2, retry_delay=STORE_RETRY_DELAY)
def mark_inactive(user: str, reason: str) -> Member:
    """The member, marked inactive (already inactive: as they are, date kept)."""
    s = services()
    member = s.store.get_member(user)
    if member is None:
        raise SKIP(f"{user} is not a member of any team")
    if not member.is_active:
        return member
    marked = replace(member, inactive_since=s.now().date().isoformat(),
                     inactive_reason=reason or "account_inactive")
    s.store.save_member(marked)
    return marked


@task
def notice_targets(member: Member) -> list[str]:
    """Who is told: each admin by DM, and the alert channel."""
    s = services()
    targets = sorted(s.settings.admin_ids)
    if s.settings.alert_channel:
        targets.append(s.settings.alert_channel)
    if not targets:
        raise SKIP("no MARVIN_ADMINS and no MARVIN_ALERT_CHANNEL: nobody to tell")
    return targets


@task
def marked_on(member: Member) -> str:
    """The notice's date: the day the member was first marked, kept by later runs."""
    return member.inactive_since or services().now().date().isoformat()


@task
def notice_text(member: Member) -> str:
    return (f":bust_in_silhouette: Slack cannot reach <@{member.user_id}> "
            f"({escape_mrkdwn(member.inactive_reason)}), so Marvin no longer reminds them or "
            f"lists them as missing in *{escape_mrkdwn(member.team)}*. If the account comes "
            "back, they are reminded again; `marvin team remove` takes them off the team.")


with Flow(MEMBER_INACTIVE_FLOW) as flow:
    team = Parameter("team", default=DEFAULT_TEAM)
    user = Parameter("user")
    reason = Parameter("event_reason", default="account_inactive")
    Parameter("event", default="")
    Parameter("event_id", default="")

    member = mark_inactive(user, reason)
    targets = notice_targets(member)
    send_notice.map(targets, unmapped(team), unmapped(marked_on(member)),
                    unmapped(user), unmapped(notice_text(member)))
