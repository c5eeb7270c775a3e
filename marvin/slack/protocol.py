"""The Slack calls Marvin's flows make, as a Protocol with no Slack library behind it.

Flows and the engine side depend on this module only, so they can be run against
`SlackWebChat` (real Web API), `DryRunChat` (prints) or a test fake without importing
slack_sdk. Failures cross this boundary as one exception type, `SlackError`, which says
whether trying again later could help: that decides between a task retry and a failure.

Example:
    >>> def remind(chat: ChatAPI, user_id: str) -> str:
    ...     return chat.post_message(chat.open_dm(user_id), "Standup in 30 minutes!")
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

#: Slack error codes that the same call will hit again however often it is retried:
#: a missing or archived target, a deactivated user, bad credentials or scopes, or a
#: malformed request. Anything else (``ratelimited``, ``internal_error``, ``fatal_error``,
#: ``service_unavailable``, ``request_timeout``, connection trouble) may pass on a retry.
PERMANENT_ERRORS: frozenset[str] = frozenset(
    {
        # the target
        "channel_not_found",
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "not_in_channel",
        "is_archived",
        "cannot_dm_bot",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        # the message (chat.update, a reply's parent)
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "thread_not_found",
        "invalid_thread_ts",
        # credentials and permissions
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "team_access_not_granted",
        "ekm_access_denied",
        "org_login_required",
        # the request itself
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_form_data",
        "invalid_json",
        "json_not_object",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "too_many_attachments",
        "too_many_users",
        "users_list_not_supplied",
        "unknown_method",
        "method_deprecated",
    }
)


class SlackError(Exception):
    """A Slack call that failed for good, after the client's own retries.

    Attributes:
        method: The Web API method, e.g. ``chat.postMessage``.
        error: Slack's error code (``channel_not_found``), or ``http_<status>``,
            ``connection_error`` or ``timeout`` when Slack gave no code.
        permanent: True when retrying the same call cannot succeed, so callers can
            fail (or skip) at once instead of burning retries.
        unreachable: nothing answered at the Web API URL (refused): Slack said nothing
            about the request, so it says nothing about tokens, channels or messages.
    """

    def __init__(
        self, method: str, error: str, *, permanent: bool, acted_maybe: bool = False,
        unreachable: bool = False,
    ) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.permanent = permanent
        self.unreachable = unreachable
        self._acted_maybe = acted_maybe

    @property
    def may_have_been_sent(self) -> bool:
        """True when Slack may have acted on the call although Marvin saw a failure (a
        read timeout; a 5xx or a dropped connection on a post Marvin must not repeat):
        re-sending could post the message twice."""
        return self.error == "timeout" or self._acted_maybe

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only args break default exception pickling, and results/exceptions
        # may cross process boundaries (dask executor).
        args = (self.method, self.error, self.permanent, self._acted_maybe, self.unreachable)
        return (_rebuild_slack_error, args)


def _rebuild_slack_error(
    method: str, error: str, permanent: bool, acted_maybe: bool = False,
    unreachable: bool = False,
) -> SlackError:
    return SlackError(
        method, error, permanent=permanent, acted_maybe=acted_maybe, unreachable=unreachable
    )


@dataclass(frozen=True)
class CallEvent:
    """One Web API call as seen by Marvin, for run-history events and metrics.

    Deliberately holds no token or message text: events are stored and displayed.

    Attributes:
        method: The Web API method, e.g. ``conversations.open``.
        target: The channel or user the call was about.
        outcome: ``ok``, ``error:<code>`` (Slack said ``ok: false``), ``http:<status>``
            (after the client's retries), ``connection_error`` or ``timeout``.
        duration_s: Wall time of the whole call, retries and their waits included.
    """

    method: str
    target: str
    outcome: str
    duration_s: float


class Seen(StrEnum):
    """What Slack's history proves about a message Marvin may have posted."""

    FOUND = "found"  # it is there: never send it again
    ABSENT = "absent"  # every message since then was read and it is not among them
    UNKNOWN = "unknown"  # the history could not be read in full: it may be out, or not


@dataclass(frozen=True)
class MessageSearch:
    """The answer of `ChatAPI.find_message`.

    Only ABSENT allows sending again. UNKNOWN says why (`reason`) and whether asking
    again later may settle it (`permanent` False: a 503, a timeout) or not (the bot cannot
    read the channel, the token lacks a scope: someone must fix that first).
    """

    seen: Seen
    ts: str = ""
    channel: str = ""  # where it was found (an id)
    reason: str = ""
    permanent: bool = False

    @classmethod
    def found(cls, ts: str, channel: str = "") -> MessageSearch:
        return cls(Seen.FOUND, ts=ts, channel=channel)

    @classmethod
    def absent(cls) -> MessageSearch:
        return cls(Seen.ABSENT)

    @classmethod
    def unknown(cls, reason: str, *, permanent: bool = False) -> MessageSearch:
        return cls(Seen.UNKNOWN, reason=reason, permanent=permanent)


@dataclass(frozen=True)
class ChannelInfo:
    """A channel as the bot sees it."""

    id: str
    name: str
    is_private: bool = False
    is_member: bool = False


@dataclass(frozen=True)
class AuthInfo:
    """``auth.test``'s answer: the workspace, the token's user, its granted scopes."""

    team: str
    user_id: str
    bot_id: str
    scopes: frozenset[str]

    @property
    def is_bot(self) -> bool:
        """A bot token answers with the bot's id; a user token (xoxp-) does not."""
        return bool(self.bot_id)


@dataclass(frozen=True)
class PostedDM:
    """A direct message posted: the app's DM channel with the member (``D...``, as Slack
    answered) and the message's ``ts`` in it."""

    channel: str
    ts: str


@runtime_checkable
class DirectMessages(Protocol):
    """A DM in one call: ``chat.postMessage`` to the member's user id, which Slack delivers
    to the app's DM with them and answers with that DM's channel id. Apart from `ChatAPI`
    because a chat that cannot (a dry run, a test fake) still reaches members through
    `ChatAPI.open_dm` and `ChatAPI.post_message`."""

    def post_dm(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None,
        key: str | None = None,
    ) -> PostedDM:
        """Post `text` (and `blocks`) to the app's DM with `user_id`, carrying delivery `key`.

        Raises:
            SlackError: The message was not posted (``channel_not_found``: no such user).
        """
        ...


class UserStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    UNKNOWN = "not in this workspace"


@runtime_checkable
class ChatAPI(Protocol):
    """What the flows need from Slack: reach a member privately and post messages."""

    def open_dm(self, user_id: str) -> str:
        """Open (or find) the direct-message channel with a member.

        Returns:
            The DM channel id to pass to `post_message`.

        Raises:
            SlackError: The member cannot be reached.
        """
        ...

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        key: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post a message; `text` is also the notification/fallback text when blocks are given.
        With `thread_ts` (a parent message's ts in `channel`) it is a reply in that thread.

        Returns:
            The message ``ts``, Slack's id for the message within the channel.

        Raises:
            SlackError: The message was not posted.
        """
        ...

    def find_message(self, channel: str, key: str, since: float) -> MessageSearch:
        """Whether a message this app posted to `channel` (an id) carries delivery `key`
        (in its metadata), looking at everything Slack stamped after `since` (epoch s).

        How a run that takes over a dead run's claim, or a post that timed out, learns
        whether the message already went out, so it neither sends it twice nor loses it.
        Never raises for Slack's answers: a history it cannot read in full is UNKNOWN.
        """
        ...

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace a message this app posted (``chat.update``): `channel` must be its id (not
        a name) and `blocks` replace the old ones wholesale (None: a text-only message).

        Raises:
            SlackError: ``message_not_found``, ``cant_update_message``, ``edit_window_closed``
                or any other failure; the message is as it was.
        """
        ...

    def find_reply(self, channel: str, thread_ts: str, key: str) -> MessageSearch:
        """Whether a reply this app posted in the thread of `thread_ts` in `channel` (an id)
        carries delivery `key`: replies are not in the channel's history, so a thread's
        sends are looked up in the thread (``conversations.replies``), every page of it.
        Never raises for Slack's answers: a thread it cannot read in full is UNKNOWN."""
        ...

    def list_channels(self) -> list[ChannelInfo]:
        """Every public channel, and every private one the bot was invited to (all pages).

        Raises:
            SlackError: The list could not be read.
        """
        ...

    def channel_info(self, channel_id: str) -> ChannelInfo:
        """One channel by id, with whether the bot is a member.

        Raises:
            SlackError: ``channel_not_found`` when it does not exist (or is private and
                the bot is not in it), or any other failure.
        """
        ...

    def join_channel(self, channel_id: str) -> None:
        """Make the bot a member of a public channel (a no-op when it is one).

        Raises:
            SlackError: The channel cannot be joined (private, archived, missing scope).
        """
        ...

    def user_status(self, user_id: str) -> UserStatus:
        """``users.info``: whether a member's account is active, deactivated or unknown.

        Raises:
            SlackError: any refusal other than ``user_not_found`` (a refused token, say).
        """
        ...


@runtime_checkable
class UserZones(Protocol):
    """Where a member's time zone comes from: their Slack profile (``users.info``).

    Apart from `ChatAPI` because only per-member reminder zones need it; a chat that
    cannot tell (a dry run) answers None, and the member falls back to the team's zone."""

    def user_zone(self, user_id: str) -> str | None:
        """The IANA zone of `user_id`'s Slack profile; None when the profile has none.

        Raises:
            SlackError: Slack could not be asked, or does not know the user.
        """
        ...
