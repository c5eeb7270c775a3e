"""SlackWebChat against the Slack stand-in: calls, retries, errors and call events."""

from __future__ import annotations

import io
import logging
import pickle
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpResponse,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from marvin.slack.client import SlackWebChat, build_web_client
from marvin.slack.dry_run import DryRunChat
from marvin.slack.protocol import (
    PERMANENT_ERRORS,
    CallEvent,
    ChatAPI,
    MessageSearch,
    Seen,
    SlackError,
)
from marvin.slack.retries import MAX_RETRY_AFTER, retry_after
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-very-secret-token"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Today*: reviews"}}]


def make_chat(url: str, events: list[CallEvent] | None = None, **options: Any) -> SlackWebChat:
    """A client with fast backoff, so retry tests take milliseconds (429s excepted)."""
    settings: dict[str, Any] = {"timeout": 2.0, "max_retries": 3, "backoff_factor": 0.01}
    settings.update(options)
    on_call = events.append if events is not None else None
    return SlackWebChat(TOKEN, url, on_call=on_call, **settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_open_dm_and_post_message(standin: SlackStandIn) -> None:
    chat = make_chat(standin.url)

    channel = chat.open_dm("U123")
    ts = chat.post_message(channel, "Standup in 30 minutes!", BLOCKS)

    assert channel == "DU123"
    [posted] = standin.posted_messages("DU123")
    assert posted["text"] == "Standup in 30 minutes!"
    assert posted["blocks"] == BLOCKS
    assert ts and "." in ts
    assert all(call.token == TOKEN for call in standin.calls)


def test_post_message_without_blocks(standin: SlackStandIn) -> None:
    make_chat(standin.url).post_message("#general", "digest")

    [posted] = standin.posted_messages("#general")
    assert "blocks" not in posted


def test_rate_limited_call_waits_for_retry_after_then_succeeds(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=1)

    make_chat(standin.url).post_message("#general", "hi")

    first, second = standin.calls_to("chat.postMessage")
    assert (first.outcome, second.outcome) == ("http:429", "ok")
    assert second.at - first.at >= 1.0  # slack-sdk honoured Retry-After
    assert len(standin.posted_messages()) == 1


def test_server_errors_are_retried(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", times=2, status=503)

    make_chat(standin.url).post_message("#general", "hi")

    outcomes = [c.outcome for c in standin.calls_to("chat.postMessage")]
    assert outcomes == ["http:503", "http:503", "ok"]
    assert len(standin.posted_messages()) == 1


def test_retries_are_bounded_by_max_retries(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", times=10, status=500)

    with pytest.raises(SlackError) as info:
        make_chat(standin.url, max_retries=2).post_message("#general", "hi")

    assert info.value.permanent is False
    assert info.value.error == "internal_error"
    assert len(standin.calls_to("chat.postMessage")) == 3


def test_rate_limit_without_retries_left_is_transient(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=1)

    with pytest.raises(SlackError) as info:
        make_chat(standin.url, max_retries=0).post_message("#general", "hi")

    assert (info.value.error, info.value.permanent) == ("ratelimited", False)
    assert len(standin.calls) == 1


def test_permanent_error_is_not_retried(standin: SlackStandIn) -> None:
    standin.fail_for_channel("C404", "channel_not_found")

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).post_message("C404", "hi")

    error = info.value
    assert (error.method, error.error, error.permanent) == (
        "chat.postMessage",
        "channel_not_found",
        True,
    )
    assert str(error) == "chat.postMessage failed: channel_not_found"
    assert len(standin.calls) == 1


def test_open_dm_for_inactive_user_is_permanent(standin: SlackStandIn) -> None:
    standin.fail_for_channel("U9", "account_inactive")

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).open_dm("U9")

    assert (info.value.method, info.value.permanent) == ("conversations.open", True)


def test_unknown_slack_error_is_transient(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", status=200, error="fatal_error")

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).post_message("#general", "hi")

    assert info.value.permanent is False
    assert "fatal_error" not in PERMANENT_ERRORS
    assert len(standin.calls) == 1  # slack-sdk never retries an HTTP 200


def test_nothing_listening_is_a_permanent_error_naming_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A refused connection is not retried: nothing listens at SLACK_API_URL, and no
    backoff within a run fixes that. One WARNING for the call, none from slack_sdk."""
    events: list[CallEvent] = []
    url = f"http://127.0.0.1:{free_port()}/api/"
    chat = make_chat(url, events, timeout=0.5, max_retries=2)

    with caplog.at_level(logging.INFO):
        with pytest.raises(SlackError) as info:
            chat.open_dm("U1")

    assert info.value.permanent is True
    assert info.value.error == f"connection refused by {url} (SLACK_API_URL)"
    assert [e.outcome for e in events] == ["connection_refused"]
    assert [(r.name, r.levelname) for r in caplog.records if r.levelno >= logging.WARNING] == [
        ("marvin.slack", "WARNING")]
    assert not any("Going to retry" in r.getMessage() for r in caplog.records)


@contextmanager
def hanging_up_server() -> Iterator[tuple[str, list[int]]]:
    """A server that accepts and hangs up at once; yields its URL and the connections."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()
    accepted: list[int] = []

    def hang_up() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=hang_up, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_dropped_connections_are_retried() -> None:
    """Each attempt is one connection."""
    with hanging_up_server() as (url, accepted):
        with pytest.raises(SlackError) as info:
            make_chat(url, max_retries=2).post_message("#general", "hi")

    assert info.value.permanent is False
    assert len(accepted) == 3


def test_read_timeout_is_transient_and_not_retried(standin: SlackStandIn) -> None:
    standin.set_latency(1.0, "chat.postMessage")

    with pytest.raises(SlackError) as info:
        make_chat(standin.url, timeout=0.3).post_message("#general", "hi")

    assert (info.value.error, info.value.permanent) == ("timeout", False)
    assert len(standin.calls) == 1  # the message may have been posted: no blind retry


def test_a_keyed_post_is_not_retried_after_a_server_error(standin: SlackStandIn) -> None:
    """Slack may have posted it before failing: the caller must ask Slack, not re-post."""
    standin.fail_next("chat.postMessage", times=1, status=500)

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).post_message("#general", "hi", key="reminder/default/2026-06-08/U1")

    assert (info.value.permanent, info.value.may_have_been_sent) == (False, True)
    assert len(standin.calls_to("chat.postMessage")) == 1
    make_chat(standin.url).post_message("#general", "alert")  # an unkeyed post: retried as before


def test_a_keyed_post_refused_was_not_sent() -> None:
    """Refused: the request never left, so it cannot have been posted."""
    events: list[CallEvent] = []
    chat = make_chat(f"http://127.0.0.1:{free_port()}/api/", events, max_retries=2)

    with pytest.raises(SlackError) as info:
        chat.post_message("#general", "hi", key="k")

    assert (info.value.permanent, info.value.may_have_been_sent) == (True, False)


def test_a_keyed_post_whose_connection_drops_is_not_retried() -> None:
    with hanging_up_server() as (url, accepted):
        with pytest.raises(SlackError) as info:
            make_chat(url, max_retries=2).post_message("#general", "hi", key="k")

    assert (info.value.error, info.value.may_have_been_sent) == ("connection_error", True)
    assert len(accepted) == 1


@pytest.mark.timeout(20)  # an hour-long Retry-After must not be waited out
def test_a_retry_after_longer_than_the_client_waits_fails_at_once(standin: SlackStandIn) -> None:
    standin.fail_next("chat.postMessage", status=429, retry_after=3600)

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).post_message("#general", "hi")

    assert (info.value.error, info.value.permanent) == ("ratelimited", False)
    assert len(standin.calls_to("chat.postMessage")) == 1
    assert MAX_RETRY_AFTER < 3600


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"retry-after": ["30"]}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, 1.0),  # an HTTP-date
        ({"Retry-After": "-3"}, 1.0),
        ({"Retry-After": ""}, 1.0),
        ({}, 1.0),
    ],
)
def test_retry_after_is_read_safely(headers: dict[str, Any], seconds: float) -> None:
    assert retry_after(HttpResponse(status_code=429, headers=headers)) == seconds


def test_on_call_events_for_every_call_without_token(standin: SlackStandIn) -> None:
    standin.fail_for_channel("C404", "channel_not_found")
    standin.fail_next("chat.postMessage", status=503)
    events: list[CallEvent] = []
    chat = make_chat(standin.url, events)

    chat.post_message(chat.open_dm("U1"), "hi")
    with pytest.raises(SlackError):
        chat.post_message("C404", "hi")

    assert [(e.method, e.target, e.outcome) for e in events] == [
        ("conversations.open", "U1", "ok"),
        ("chat.postMessage", "DU1", "ok"),  # one event per call, retries included
        ("chat.postMessage", "C404", "error:channel_not_found"),
    ]
    assert all(e.duration_s >= 0 for e in events)
    assert not any(TOKEN in repr(e) for e in events)


def test_slack_error_does_not_carry_the_request(standin: SlackStandIn) -> None:
    """The original SlackApiError holds the request headers, token included."""
    standin.fail_for_channel("C404", "channel_not_found")

    with pytest.raises(SlackError) as info:
        make_chat(standin.url).post_message("C404", "hi")

    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert TOKEN not in repr(info.value.__dict__)


def test_slack_error_pickles() -> None:
    error = SlackError("chat.postMessage", "ratelimited", permanent=False)

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.method, copy.error, copy.permanent) == ("chat.postMessage", "ratelimited", False)
    assert str(copy) == str(error)
    uncertain = SlackError("chat.postMessage", "internal_error", permanent=False, acted_maybe=True)
    assert pickle.loads(pickle.dumps(uncertain)).may_have_been_sent


def test_build_web_client_uses_base_url_and_retry_handlers(standin: SlackStandIn) -> None:
    client = build_web_client(TOKEN, standin.url, max_retries=4)

    assert client.base_url == standin.url
    kinds = [(type(h).__mro__[1], h.max_retry_count) for h in client.retry_handlers]
    assert kinds == [  # slack-sdk's own handlers, narrowed (see marvin.slack.client)
        (ConnectionErrorRetryHandler, 4),
        (RateLimitErrorRetryHandler, 4),
        (ServerErrorRetryHandler, 4),
    ]


def test_implementations_satisfy_the_protocol(standin: SlackStandIn) -> None:
    assert isinstance(make_chat(standin.url), ChatAPI)
    assert isinstance(DryRunChat(io.StringIO()), ChatAPI)


def test_dry_run_prints_and_records_without_network() -> None:
    out = io.StringIO()
    chat = DryRunChat(out)

    dm = chat.open_dm("U123")
    first = chat.post_message(dm, "Standup in 30 minutes!")
    second = chat.post_message("#general", "Standup for Monday\n• alice: tests", BLOCKS)

    assert dm == "D-U123"
    assert out.getvalue().splitlines() == [
        "would DM U123: Standup in 30 minutes!",
        "would post to #general: Standup for Monday",
        "    • alice: tests",
        "    │ *Today*: reviews",
    ]
    assert chat.sent == [
        ("D-U123", "Standup in 30 minutes!", None),
        ("#general", "Standup for Monday\n• alice: tests", BLOCKS),
    ]
    assert first < second


# find_message: FOUND / ABSENT / UNKNOWN, every page read ---------------------------------


def keyed_history(standin: SlackStandIn, chatter: int) -> tuple[SlackWebChat, str]:
    chat = make_chat(standin.url)
    general = str(standin.world.channel_id("#general"))
    chat.join_channel(general)
    chat.post_message(general, "the digest", key="digest/default/2026-06-08/#general#0")
    standin.world.add_chatter("#general", chatter, standin.next_ts)
    return chat, general


def test_find_message_reads_every_page_until_it_finds_the_key(standin: SlackStandIn) -> None:
    chat, general = keyed_history(standin, 450)

    found = chat.find_message(general, "digest/default/2026-06-08/#general#0", 0.0)

    assert found == MessageSearch.found(found.ts, general) and found.ts
    assert len(standin.calls_to("conversations.history")) == 3
    assert chat.find_message(general, "other/key", 0.0) == MessageSearch.absent()


def test_find_message_never_calls_absent_what_it_could_not_read(standin: SlackStandIn) -> None:
    chat, general = keyed_history(standin, 0)

    standin.reply_next("conversations.history", {"ok": True})
    no_messages = chat.find_message(general, "k", 0.0)
    standin.reply_next("conversations.history", {"ok": True, "messages": [], "has_more": True})
    no_cursor = chat.find_message(general, "k", 0.0)
    standin.fail_next("conversations.history", 1, status=503)
    unavailable = make_chat(standin.url, max_retries=0).find_message(general, "k", 0.0)
    standin.world.remove_bot("#general")
    not_member = chat.find_message(general, "k", 0.0)

    assert [s.seen for s in (no_messages, no_cursor, unavailable, not_member)] == [
        Seen.UNKNOWN] * 4
    assert not unavailable.permanent and "service_unavailable" in unavailable.reason
    assert not_member.permanent and "not_in_channel" in not_member.reason


def test_list_channels_follows_every_page(standin: SlackStandIn) -> None:
    for n in range(450):
        standin.world.add_channel(f"c{n}")
    standin.world.add_channel("secret", private=True, bot_member=True)
    standin.world.add_channel("hidden", private=True)

    channels = make_chat(standin.url).list_channels()

    names = {c.name for c in channels}
    assert len(standin.calls_to("conversations.list")) == 3
    assert {"general", "c0", "c449", "secret"} <= names and "hidden" not in names
    assert [c.is_private for c in channels if c.name == "secret"] == [True]
