"""The Slack Web API calls Marvin makes, over slack_sdk, with retries and call events.

`build_web_client` is the one place a slack_sdk `WebClient` is made (the Bolt app reuses
it), so every client honours ``SLACK_API_URL`` and retries the same way:

- connection errors (reset, dropped): exponential backoff with jitter;
- HTTP 429: waits ``Retry-After`` seconds (plus up to 1 s of jitter), up to
  `MAX_RETRY_AFTER`: a longer wait fails the call (``ratelimited``, transient) rather than
  hold a flow's thread for an hour;
- HTTP 500/503: exponential backoff with jitter.

``max_retries`` bounds the retries of one call across all three kinds together (slack-sdk
keeps one attempt counter per request). A read timeout is never retried, and neither is a
5xx or a dropped connection on a post that carries a delivery key: Slack may have posted
it already, so the error says `SlackError.may_have_been_sent` and `marvin.delivery` asks
Slack before sending again.

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
import random
import time
from collections.abc import Callable
from typing import Any, cast
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    Jitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)

# Not re-exported by slack_sdk.http_retry (3.47), unlike the other two.
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.web import SlackResponse

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

__all__ = ["CallEvent", "SlackWebChat", "build_retry_handlers", "build_web_client"]


class _ProportionalJitter(Jitter):
    """Adds up to half the interval, so clients spread out without a fixed extra second.

    slack-sdk's default `RandomJitter` adds ``random()`` seconds to every wait whatever
    the backoff factor, which makes short backoffs (tests, fast failover) impossible.
    """

    def recalculate(self, duration: float) -> float:
        return duration * (1.0 + random.random() / 2)


HISTORY_PAGE = 200  # messages per conversations.history page
MAX_HISTORY_PAGES = 50
"""Pages read before giving up (UNKNOWN): 10,000 messages inside the look-back window."""
LIST_PAGE = 200  # channels per conversations.list page
MAX_LIST_PAGES = 100
MAX_RETRY_AFTER = 60
"""Longest ``Retry-After`` (seconds) the client waits out; Slack's are usually 1-30 s."""
DELIVERY_EVENT = "marvin_delivery"  # metadata event type of messages Marvin must not repeat
FLOW_PACING_WAIT = 30.0
"""Longest wait (s) of a flow's call for its slot under Slack's rate limits."""
INTERACTIVE_PACING_WAIT = 0.5
"""Longest such wait of a call made while Slack waits for an answer (3 s in all)."""


def is_keyed_post(request: HttpRequest) -> bool:
    """A ``chat.postMessage`` carrying a delivery key: one Marvin must never post twice."""
    body = request.data or b""
    return request.url.endswith("chat.postMessage") and DELIVERY_EVENT.encode() in body


def is_refused(error: BaseException | None) -> bool:
    """The connection was refused: the request never left, so repeating it is safe."""
    reason = error.reason if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


class _ConnectionErrorRetry(ConnectionErrorRetryHandler):
    """Connection errors, except a refused one (nothing listens: retrying cannot help)
    and a keyed post's dropped connection (Slack may have it)."""

    def _can_retry(
        self, *, request: HttpRequest, error: Exception | None = None, **rest: Any
    ) -> bool:
        if is_refused(error) or is_keyed_post(request):
            return False
        return super()._can_retry(request=request, error=error, **rest)


class _ServerErrorRetry(ServerErrorRetryHandler):
    """500/503, except on a keyed post: Slack may have posted it before failing."""

    def _can_retry(self, *, request: HttpRequest, **rest: Any) -> bool:
        return not is_keyed_post(request) and super()._can_retry(request=request, **rest)


class _RateLimitRetry(RateLimitErrorRetryHandler):
    """429: waits ``Retry-After`` (1 s when it is missing or not a number of seconds), but
    gives up at once when Slack asks for more than `max_wait` seconds."""

    def __init__(
        self, max_retry_count: int, max_wait: float, limits: RateLimits | None = None
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait
        self.limits = limits  # told of every 429, so the other calls slow down too

    def can_retry(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        # Every 429 slows the limiter, retried or not (max_retries may be 0); one asking
        # for more than `max_wait` only fails its call, as it would hold every later call
        # of the method (a re-run included) that long on one answer.
        if response is not None and response.status_code == 429 and self.limits is not None:
            wait = retry_after(response)
            if wait <= self.max_wait:
                method = request.url.rsplit("/", 1)[-1]
                self.limits.slow_down(_bearer(request), method, wait)
        return super().can_retry(state=state, request=request, response=response, error=error)

    def _can_retry(self, *, response: HttpResponse | None = None, **rest: Any) -> bool:
        return (
            response is not None
            and response.status_code == 429
            and retry_after(response) <= self.max_wait
        )

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response) if response is not None else 1.0
        time.sleep(wait + random.random())
        state.increment_current_attempt()


def _bearer(request: HttpRequest) -> str:
    """The token a request carries (its limiter's key), "" when none."""
    for name, value in request.headers.items():
        if name.lower() == "authorization":
            value = value[0] if isinstance(value, list) and value else value
            return str(value).removeprefix("Bearer ").strip()
    return ""


def retry_after(response: HttpResponse) -> float:
    """Seconds ``Retry-After`` asks for: 1 when absent or not a non-negative integer
    (slack-sdk's own handler crashes on an HTTP-date there)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            text = str(value).strip()
            return float(text) if text.isdigit() else 1.0
    return 1.0


def build_retry_handlers(
    max_retries: int = 3, *, backoff_factor: float = 0.5, max_retry_after: float = MAX_RETRY_AFTER,
    limits: RateLimits | None = None,
) -> list[RetryHandler]:
    """Retry handlers for connection errors, 429 (Retry-After) and 500/503.

    Args:
        max_retries: Retries per call, shared by all handlers (0 disables retrying).
        backoff_factor: First backoff in seconds; doubles per retry (plus up to 50 %).
            Does not apply to 429, which waits for Retry-After.
        max_retry_after: The longest Retry-After waited out; longer fails the call.
        limits: The rate limits a 429 slows down (see `marvin.slack.rate_limits`).
    """
    interval = BackoffRetryIntervalCalculator(
        backoff_factor=backoff_factor, jitter=_ProportionalJitter()
    )
    return [
        _ConnectionErrorRetry(max_retry_count=max_retries, interval_calculator=interval),
        _RateLimitRetry(max_retries, max_retry_after, limits),
        _ServerErrorRetry(max_retry_count=max_retries, interval_calculator=interval),
    ]


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
    """
    limits = shared_limits(base_url)
    return PacedWebClient(
        limits=limits,
        max_wait=pacing_wait,
        token=token,
        base_url=base_url,
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
        token: str,
        base_url: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff_factor: float = 0.5,
        on_call: Callable[[CallEvent], None] | None = None,
    ) -> None:
        """Build the client; no call is made until the first method call.

        Args:
            token: Bot token; kept inside the WebClient, never in events or errors.
            base_url: Web API base URL ending in ``/`` (``SLACK_API_URL``).
            timeout: Seconds to connect and to wait for each response.
            max_retries: Retries per call (see `build_retry_handlers`).
            backoff_factor: First backoff in seconds for connection errors and 5xx.
            on_call: Receives a `CallEvent` after every call, successful or not.
        """
        self._client = build_web_client(
            token, base_url, timeout=timeout, max_retries=max_retries, backoff_factor=backoff_factor
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
            response = send()
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
