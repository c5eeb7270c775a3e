"""What a DM flow does when Slack says a member's account is gone for good.

A reminder or a nudge that Slack refuses with one of `GONE_ERRORS` is not the run's
failure (nor tomorrow's): the send SKIPs and publishes ``slack.account_inactive``, and the
`member_inactive` automation marks the member inactive and tells the admins once, after
the run. Members already marked inactive are skipped before any send (`skip_inactive`).
"""

from __future__ import annotations

from flows.services import services
from marvin.domain.events import ACCOUNT_INACTIVE, GONE_ERRORS, Event
from marvin.domain.models import Member
from marvin.engine import SKIP, get_context
from marvin.history.events import publish
from marvin.slack.protocol import SlackError, UserStatus


def skip_inactive(member: Member) -> None:
    """SKIP a member marked inactive: Slack cannot reach them, so no DM is tried."""
    if not member.is_active:
        raise SKIP(f"{member.user_id} is inactive in Slack ({member.inactive_reason}) "
                   f"since {member.inactive_since}")


UNKNOWN_DM_TARGET = "channel_not_found"  # a DM posted to a user id Slack does not know


def skip_if_gone(failure: BaseException, team: str, user: str) -> None:
    """SKIP (and publish ``slack.account_inactive``) when `failure`, a DM to `user` that
    failed, says the account is gone; return (the caller re-raises) otherwise."""
    gone = gone_error(failure)
    if gone is None or not confirmed_gone(user, gone):
        return
    event_id = f"{get_context().flow_run_id}/{user}"
    publish(Event(ACCOUNT_INACTIVE, event_id, team, user, services().now(), {"reason": gone}))
    raise SKIP(f"Slack cannot reach {user} ({gone}): to be marked inactive") from None


def gone_error(failure: BaseException) -> str | None:
    """The Slack error behind `failure` when it means the member cannot be reached for
    good (`GONE_ERRORS`), else None."""
    cause: BaseException | None = failure
    while cause is not None:
        if isinstance(cause, SlackError):
            return cause.error if cause.error in (*GONE_ERRORS, UNKNOWN_DM_TARGET) else None
        cause = cause.__cause__ or cause.__context__
    return None


def confirmed_gone(user: str, error: str) -> bool:
    """Whether `error` is about the member. ``account_inactive`` is also Slack's answer to a
    token whose workspace or bot user was deleted, which refuses every call: a member is
    marked only when ``users.info`` says the account is deactivated or unknown. Had the
    token been refused, every member would have been marked; now the run fails and alerts.
    ``channel_not_found`` is how ``chat.postMessage`` to a user id says it knows no such
    user (and any missing channel): it too counts only when ``users.info`` agrees."""
    if error not in ("account_inactive", UNKNOWN_DM_TARGET):
        return True
    try:
        return services().chat.user_status(user) is not UserStatus.ACTIVE
    except SlackError:
        return False
