"""The Slack Web API calls Marvin makes, over slack_sdk, with retries, pacing and call events.

`build_web_client` is the one place a slack_sdk `WebClient` is made (the Bolt app reuses
it), so every client honours ``SLACK_API_URL``, is paced to Slack's rate tiers
(`marvin.slack.rate_limits`) and retries the same way (`marvin.slack.retries`:
connection errors and 500/503 with backoff, 429 after ``Retry-After`` up to
`MAX_RETRY_AFTER`; never a keyed post whose fate is unknown, which fails with
`SlackError.may_have_been_sent` so that `marvin.delivery` asks Slack before sending again).

A refused connection is not retried at all and fails as permanent, naming the URL:
nothing listens at ``SLACK_API_URL`` (a wrong URL, a proxy that is down), which no
backoff within a run will fix, so the run fails at once with one clear line instead of
minutes of retries. slack-sdk's own ERROR line per attempt is dropped for one WARNING
per failed call, from `SlackWebChat`.

Example:
    >>> chat = SlackWebChat("xoxb-...", "https://slack.com/api/")  # doctest: +SKIP
    >>> chat.post_dm("U123", "Standup in 30 minutes!")  # doctest: +SKIP
    PostedDM(channel='DU123', ts='1700000000.000100')
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

# Not re-exported by slack_sdk.http_retry (3.47), unlike the other two.
from slack_sdk.web import SlackResponse

from marvin.slack.followed_token import AUTH_REFUSALS, FollowedToken
from marvin.slack.protocol import (
    PERMANENT_ERRORS,
    CallEvent,
    ChannelInfo,
    ChatAPI,
    MessageSearch,
    PostedDM,
    SlackError,
    UserStatus,
)
from marvin.slack.rate_limits import SELF_PACED, Paced, RateLimits, shared_limits
from marvin.slack.retries import (
    DELIVERY_EVENT,
    build_retry_handlers,
    is_refused,
)

__all__ = ["CallEvent", "SlackWebChat", "build_retry_handlers", "build_web_client"]


HISTORY_PAGE = 200  # messages per conversations.history page
MAX_HISTORY_PAGES = 50
"""Pages read before giving up (UNKNOWN): 10,000 messages inside the look-back window."""
LIST_PAGE = 200  # channels per conversations.list page
MAX_LIST_PAGES = 100
FLOW_PACING_WAIT = 30.0
"""Longest wait (s) of a flow's call for its slot under Slack's rate limits."""
INTERACTIVE_PACING_WAIT = 0.5
"""Longest such wait of a call made while Slack waits for an answer (3 s in all)."""


class PacedWebClient(WebClient):
    """A `WebClient` that keeps to Slack's rate limits: each call first takes its slot
    from `limits` (waiting at most `max_wait` seconds, else `Paced`)."""

    def __init__(self, *, limits: RateLimits, max_wait: float, **options: Any) -> None:
        super().__init__(**options)
        self.limits, self.max_wait = limits, max_wait

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {}),
                **(kwargs.get("json") or {})}
        token = str(args.get("token") or self.token or "")
        channel = str(args.get("channel") or "")
        if api_method not in SELF_PACED:
            self.limits.acquire(token, api_method, channel, self.max_wait)
        return super().api_call(api_method, **kwargs)


def build_web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: float = 10.0,
    max_retries: int = 3,
    backoff_factor: float = 0.5,
    pacing_wait: float = FLOW_PACING_WAIT,
    team_id: str | None = None,
) -> WebClient:
    """The slack_sdk client every part of Marvin uses (Bolt included).

    Args:
        token: Bot token (``xoxb-...``); None for clients that get one per request.
        base_url: Web API base URL ending in ``/`` (``SLACK_API_URL``).
        timeout: Seconds to connect and to wait for each response.
        max_retries: See `build_retry_handlers`.
        backoff_factor: See `build_retry_handlers`.
        pacing_wait: Longest wait (s) for a slot under Slack's rate limits, shared by every
            client of the process (`shared_limits`); longer fails the call (`Paced`).
        team_id: The workspace of an org-wide (Grid) app's calls, as Bolt sets it.
    """
    limits = shared_limits(base_url)
    return PacedWebClient(
        limits=limits,
        max_wait=pacing_wait,
        token=token,
        base_url=base_url,
        team_id=team_id,
        logger=_SDK_LOG,
        # urllib takes float seconds; slack-sdk's `int` hint is only narrower than needed.
        timeout=cast(int, timeout),
        retry_handlers=build_retry_handlers(
            max_retries, backoff_factor=backoff_factor, limits=limits),
    )


class _NoPerAttemptErrors(logging.Filter):
    """Drops slack-sdk's ERROR line for each failed connection attempt: `SlackWebChat`
    logs one WARNING per failed call instead, saying which call and which URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.levelno >= logging.ERROR
            and record.getMessage().startswith("Failed to send a request")
        )


_SDK_LOG = logging.getLogger("marvin.slack.sdk")  # slack-sdk's own lines (retries at INFO)
_SDK_LOG.addFilter(_NoPerAttemptErrors())
log = logging.getLogger("marvin.slack")


class SlackWebChat(ChatAPI):
    """`ChatAPI` over the real Web API (or anything speaking it, like `SlackStandIn`)."""

    def __init__(
        self,
        token: str | FollowedToken,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        on_call: Callable[[CallEvent], None] | None = None,
    ) -> None:
        """Build the client; no call is made until the first method call.

        Args:
            token: Bot token; kept inside the WebClient, never in events or errors. A
                `FollowedToken` (OAuth mode) is followed: each call sends its current
                value, and a call Slack refuses for the token (``invalid_auth``,
                ``token_revoked``, ``account_inactive``) re-reads the installation once
                and, when it holds a new token, is sent again with it (safe for a keyed
                post: Slack acted on nothing it refused to authenticate).
            base_url: Web API base URL ending in ``/`` (``SLACK_API_URL``).
            timeout: Seconds to connect and to wait for each response.
            max_retries: Retries per call (see `build_retry_handlers`).
            backoff_factor: First backoff in seconds for connection errors and 5xx.
            on_call: Receives a `CallEvent` after every call, successful or not.
        """
        self._followed = token if isinstance(token, FollowedToken) else None
        self._client = build_web_client(
            token.value if isinstance(token, FollowedToken) else token, base_url,
            timeout=timeout, max_retries=max_retries, backoff_factor=backoff_factor
        )
        self._base_url = base_url
        self._on_call = on_call

    def open_dm(self, user_id: str) -> str:
        """Open the DM channel with `user_id` (``conversations.open``) and return its id."""
        response = self._call(
            "conversations.open", user_id, lambda: self._client.conversations_open(users=user_id)
        )
        return str(response["channel"]["id"])

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        key: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Post to a channel or DM (``chat.postMessage``) and return the message ``ts``;
        with `thread_ts`, as a reply in that message's thread.

        `key` goes into the message's metadata (event type ``marvin_delivery``), so a
        later run can find the message with `find_message`.
        """
        response = self._call(
            "chat.postMessage",
            channel,
            lambda: self._client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=_metadata(key),
                thread_ts=thread_ts,
            ),
            keyed=key is not None,
        )
        return str(response["ts"])

    def post_dm(
        self, user_id: str, text: str, blocks: list[dict[str, Any]] | None = None,
        key: str | None = None,
    ) -> PostedDM:
        """A DM in one call: ``chat.postMessage`` with the user id as the channel; Slack
        posts it to the app's DM with the member and answers with that DM's id."""
        response = self._call(
            "chat.postMessage",
            user_id,
            lambda: self._client.chat_postMessage(
                channel=user_id, text=text, blocks=blocks, metadata=_metadata(key),
            ),
            keyed=key is not None,
        )
        return PostedDM(str(response["channel"]), str(response["ts"]))

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """``chat.update``. Slack keeps a message's old blocks when an update carries none
        (slack-sdk #523), so a text-only update sends an empty list to drop them."""
        self._call(
            "chat.update",
            channel,
            lambda: self._client.chat_update(
                channel=channel, ts=ts, text=text, blocks=blocks if blocks is not None else []
            ),
        )

    def find_reply(self, channel: str, thread_ts: str, key: str) -> MessageSearch:
        """Read the thread of `thread_ts` (``conversations.replies``), page by page, for our
        reply with `key`. ABSENT only when the whole thread was read."""
        return self._search(
            "conversations.replies", channel, key,
            lambda cursor: self._client.conversations_replies(
                channel=channel, ts=thread_ts, include_all_metadata=True, limit=HISTORY_PAGE,
                cursor=cursor or None,
            ),
        )

    def find_message(self, channel: str, key: str, since: float) -> MessageSearch:
        """Read the channel's history after `since` (Slack filters by ``oldest``, by its own
        clock; nothing it returns is dropped here), page by page, for our message with `key`.

        ABSENT only when every page was read; an answer without ``messages``, ``has_more``
        without a cursor, too many pages or a failed call leave it UNKNOWN.
        """
        return self._search(
            "conversations.history", channel, key,
            lambda cursor: self._client.conversations_history(
                channel=channel, oldest=f"{since:.6f}", include_all_metadata=True,
                limit=HISTORY_PAGE, cursor=cursor or None,
            ),
        )

    def _search(
        self, method: str, channel: str, key: str, read: Callable[[str], SlackResponse]
    ) -> MessageSearch:
        """Page through `read(cursor)`'s messages for our message with `key`."""
        cursor = ""
        for _ in range(MAX_HISTORY_PAGES):
            try:
                response = self._call(method, channel, lambda c=cursor: read(c))  # type: ignore[misc]
            except SlackError as exc:
                return MessageSearch.unknown(
                    f"could not read its history ({exc.error})", permanent=exc.permanent
                )
            messages = response.get("messages")
            if not isinstance(messages, list):
                return MessageSearch.unknown("Slack's history answer had no messages in it")
            for message in messages:
                if isinstance(message, dict) and _has_key(message, key):
                    return MessageSearch.found(str(message["ts"]), channel)
            if not response.get("has_more"):
                return MessageSearch.absent()
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return MessageSearch.unknown("Slack said there was more history but gave no cursor")
        return MessageSearch.unknown(
            f"more than {MAX_HISTORY_PAGES * HISTORY_PAGE} messages since then"
        )

    def list_channels(self) -> list[ChannelInfo]:
        """Public channels and the private ones the bot is in, archived ones left out."""
        channels: list[ChannelInfo] = []
        cursor = ""
        for _ in range(MAX_LIST_PAGES):
            response = self._call(
                "conversations.list",
                "*",
                lambda c=cursor: self._client.conversations_list(  # type: ignore[misc]
                    types="public_channel,private_channel", exclude_archived=True,
                    limit=LIST_PAGE, cursor=c or None,
                ),
            )
            channels.extend(_channel(c) for c in response.get("channels") or [])
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return channels
        raise SlackError("conversations.list", "too_many_pages", permanent=True)

    def channel_info(self, channel_id: str) -> ChannelInfo:
        """``conversations.info``: the channel, and whether the bot is in it."""
        response = self._call(
            "conversations.info",
            channel_id,
            lambda: self._client.conversations_info(channel=channel_id),
        )
        return _channel(response["channel"])

    def join_channel(self, channel_id: str) -> None:
        """``conversations.join``; Slack answers ``already_in_channel`` as a warning only."""
        self._call(
            "conversations.join",
            channel_id,
            lambda: self._client.conversations_join(channel=channel_id),
        )

    def user_status(self, user_id: str) -> UserStatus:
        """``users.info``: whether a member's account exists and is active (raises
        `SlackError` for any refusal other than ``user_not_found``)."""
        try:
            user = self._user_info(user_id)
        except SlackError as exc:
            if exc.error == "user_not_found":
                return UserStatus.UNKNOWN
            raise
        return UserStatus.DEACTIVATED if user.get("deleted") else UserStatus.ACTIVE

    def user_zone(self, user_id: str) -> str | None:
        """``users.info``'s ``tz`` for `user_id` (None when the profile has none)."""
        zone = self._user_info(user_id).get("tz")
        return zone if isinstance(zone, str) and zone else None

    def _user_info(self, user_id: str) -> dict[str, Any]:
        """``users.info``'s ``user`` object ({} when Slack's answer has none)."""
        response = self._call("users.info", user_id, lambda: self._client.users_info(user=user_id))
        user = response.get("user")
        return user if isinstance(user, dict) else {}

    def _call(
        self, method: str, target: str, send: Callable[[], SlackResponse], *, keyed: bool = False
    ) -> SlackResponse:
        """Run one call, translate its failure into `SlackError`, report a `CallEvent`.

        `keyed`: a post that must not repeat, so a 5xx or a dropped connection (which the
        retry handlers left alone) may have been acted on.

        The `SlackError` is raised outside the ``except`` blocks on purpose: a chained
        `SlackApiError` would keep the request, Authorization header included, reachable
        from the error through ``__context__`` (and so from stored run results).
        """
        started = time.perf_counter()
        try:
            response = self._send(send)
        except SlackApiError as exc:
            outcome, error = _describe_api_error(exc.response)
            status = exc.response.status_code
            failure = SlackError(
                method, error, permanent=_is_permanent(status, error),
                acted_maybe=keyed and status >= 500,
            )
        except Paced as paced:  # not sent: the rate limit's slot is too far away
            outcome, failure = "paced", paced
            log.warning("%s", paced)
        except TimeoutError:
            outcome, failure = "timeout", SlackError(method, "timeout", permanent=False)
        except (URLError, OSError) as exc:
            if is_refused(exc):
                outcome = "connection_refused"
                failure = SlackError(
                    method, f"connection refused by {self._base_url} (SLACK_API_URL)",
                    permanent=True, unreachable=True,
                )
            else:
                outcome = "connection_error"
                failure = SlackError(method, "connection_error", permanent=False,
                                     acted_maybe=keyed)
            log.warning("%s to %s failed: %s", method, target, failure.error)
        except Exception as exc:
            self._emit(method, target, f"exception:{type(exc).__name__}", started)
            raise
        else:
            self._emit(method, target, "ok", started)
            return response
        self._emit(method, target, outcome, started)
        raise failure

    def _send(self, send: Callable[[], SlackResponse]) -> SlackResponse:
        """`send()` with the followed token's current value; once more when Slack refused
        the token and the installation now holds another."""
        followed = self._followed
        if followed is None:
            return send()
        sent_with = followed.value
        if self._client.token != sent_with:  # replaced since the last call
            self._client.token = sent_with
        try:
            return send()
        except SlackApiError as exc:
            data = exc.response.data
            if (data.get("error") if isinstance(data, dict) else None) not in AUTH_REFUSALS:
                raise
            followed.follow()
            if followed.value == sent_with:  # another thread may have followed it already
                raise
        self._client.token = followed.value
        return send()

    def _emit(self, method: str, target: str, outcome: str, started: float) -> None:
        if self._on_call is not None:
            self._on_call(CallEvent(method, target, outcome, time.perf_counter() - started))


def _metadata(key: str | None) -> dict[str, Any] | None:
    """The message metadata that names a delivery `key` (None: an unkeyed post)."""
    return None if key is None else {"event_type": DELIVERY_EVENT, "event_payload": {"key": key}}


def _has_key(message: dict[str, Any], key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == DELIVERY_EVENT and payload.get("key") == key


def _channel(data: dict[str, Any]) -> ChannelInfo:
    return ChannelInfo(
        id=str(data["id"]),
        name=str(data.get("name") or ""),
        is_private=bool(data.get("is_private")),
        is_member=bool(data.get("is_member")),
    )


def _describe_api_error(response: SlackResponse) -> tuple[str, str]:
    """``(outcome, error code)`` of a failed response: Slack's code, else ``http_<status>``."""
    status = response.status_code
    data = response.data
    code = data.get("error") if isinstance(data, dict) else None
    if status == 200:
        error = str(code or "unknown_error")
        return f"error:{error}", error
    return f"http:{status}", str(code or f"http_{status}")


def _is_permanent(status: int, error: str) -> bool:
    """Rate limits and server errors may pass; other HTTP errors (404: wrong base URL) won't."""
    if status == 429 or status >= 500:
        return False
    if status != 200:
        return True
    return error in PERMANENT_ERRORS
