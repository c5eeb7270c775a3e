"""SlackWebChat against the Slack stand-in: calls, retries, errors and call events."""

from __future__ import annotations

import io
import pickle
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from marvin.slack.client import SlackWebChat, build_web_client
from marvin.slack.dry_run import DryRunChat
from marvin.slack.protocol import PERMANENT_ERRORS, CallEvent, ChatAPI, SlackError
from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-very-secret-token"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Today*: reviews"}}]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        yield standin


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


def test_open_dm_and_post_message(slack: SlackStandIn) -> None:
    chat = make_chat(slack.url)

    channel = chat.open_dm("U123")
    ts = chat.post_message(channel, "Standup in 30 minutes!", BLOCKS)

    assert channel == "DU123"
    [posted] = slack.posted_messages("DU123")
    assert posted["text"] == "Standup in 30 minutes!"
    assert posted["blocks"] == BLOCKS
    assert ts and "." in ts
    assert all(call.token == TOKEN for call in slack.calls)


def test_post_message_without_blocks(slack: SlackStandIn) -> None:
    make_chat(slack.url).post_message("#general", "digest")

    [posted] = slack.posted_messages("#general")
    assert "blocks" not in posted


def test_rate_limited_call_waits_for_retry_after_then_succeeds(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    make_chat(slack.url).post_message("C1", "hi")

    first, second = slack.calls_to("chat.postMessage")
    assert (first.outcome, second.outcome) == ("http:429", "ok")
    assert second.at - first.at >= 1.0  # slack-sdk honoured Retry-After
    assert len(slack.posted_messages()) == 1


def test_server_errors_are_retried(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", times=2, status=503)

    make_chat(slack.url).post_message("C1", "hi")

    outcomes = [c.outcome for c in slack.calls_to("chat.postMessage")]
    assert outcomes == ["http:503", "http:503", "ok"]
    assert len(slack.posted_messages()) == 1


def test_retries_are_bounded_by_max_retries(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", times=10, status=500)

    with pytest.raises(SlackError) as info:
        make_chat(slack.url, max_retries=2).post_message("C1", "hi")

    assert info.value.permanent is False
    assert info.value.error == "internal_error"
    assert len(slack.calls_to("chat.postMessage")) == 3


def test_rate_limit_without_retries_left_is_transient(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)

    with pytest.raises(SlackError) as info:
        make_chat(slack.url, max_retries=0).post_message("C1", "hi")

    assert (info.value.error, info.value.permanent) == ("ratelimited", False)
    assert len(slack.calls) == 1


def test_permanent_error_is_not_retried(slack: SlackStandIn) -> None:
    slack.fail_for_channel("C404", "channel_not_found")

    with pytest.raises(SlackError) as info:
        make_chat(slack.url).post_message("C404", "hi")

    error = info.value
    assert (error.method, error.error, error.permanent) == (
        "chat.postMessage",
        "channel_not_found",
        True,
    )
    assert str(error) == "chat.postMessage failed: channel_not_found"
    assert len(slack.calls) == 1


def test_open_dm_for_inactive_user_is_permanent(slack: SlackStandIn) -> None:
    slack.fail_for_channel("U9", "account_inactive")

    with pytest.raises(SlackError) as info:
        make_chat(slack.url).open_dm("U9")

    assert (info.value.method, info.value.permanent) == ("conversations.open", True)


def test_unknown_slack_error_is_transient(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=200, error="fatal_error")

    with pytest.raises(SlackError) as info:
        make_chat(slack.url).post_message("C1", "hi")

    assert info.value.permanent is False
    assert "fatal_error" not in PERMANENT_ERRORS
    assert len(slack.calls) == 1  # slack-sdk never retries an HTTP 200


def test_server_down_is_a_transient_error() -> None:
    events: list[CallEvent] = []
    chat = make_chat(f"http://127.0.0.1:{free_port()}/api/", events, timeout=0.5, max_retries=2)

    with pytest.raises(SlackError) as info:
        chat.open_dm("U1")

    assert (info.value.error, info.value.permanent) == ("connection_error", False)
    assert [e.outcome for e in events] == ["connection_error"]


def test_dropped_connections_are_retried() -> None:
    """A server that accepts and hangs up at once: each attempt is one connection."""
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
        port = listener.getsockname()[1]
        chat = make_chat(f"http://127.0.0.1:{port}/api/", max_retries=2)
        with pytest.raises(SlackError) as info:
            chat.post_message("C1", "hi")
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()

    assert info.value.permanent is False
    assert len(accepted) == 3


def test_read_timeout_is_transient_and_not_retried(slack: SlackStandIn) -> None:
    slack.set_latency(1.0, "chat.postMessage")

    with pytest.raises(SlackError) as info:
        make_chat(slack.url, timeout=0.3).post_message("C1", "hi")

    assert (info.value.error, info.value.permanent) == ("timeout", False)
    assert len(slack.calls) == 1  # the message may have been posted: no blind retry


def test_on_call_events_for_every_call_without_token(slack: SlackStandIn) -> None:
    slack.fail_for_channel("C404", "channel_not_found")
    slack.fail_next("chat.postMessage", status=503)
    events: list[CallEvent] = []
    chat = make_chat(slack.url, events)

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


def test_slack_error_does_not_carry_the_request(slack: SlackStandIn) -> None:
    """The original SlackApiError holds the request headers, token included."""
    slack.fail_for_channel("C404", "channel_not_found")

    with pytest.raises(SlackError) as info:
        make_chat(slack.url).post_message("C404", "hi")

    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert TOKEN not in repr(info.value.__dict__)


def test_slack_error_pickles() -> None:
    error = SlackError("chat.postMessage", "ratelimited", permanent=False)

    copy = pickle.loads(pickle.dumps(error))

    assert (copy.method, copy.error, copy.permanent) == ("chat.postMessage", "ratelimited", False)
    assert str(copy) == str(error)


def test_build_web_client_uses_base_url_and_retry_handlers(slack: SlackStandIn) -> None:
    client = build_web_client(TOKEN, slack.url, max_retries=4)

    assert client.base_url == slack.url
    kinds = {type(h): h.max_retry_count for h in client.retry_handlers}
    assert kinds == {
        ConnectionErrorRetryHandler: 4,
        RateLimitErrorRetryHandler: 4,
        ServerErrorRetryHandler: 4,
    }


def test_implementations_satisfy_the_protocol(slack: SlackStandIn) -> None:
    assert isinstance(make_chat(slack.url), ChatAPI)
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
        "would post to #general: Standup for Monday [+1 blocks]",
        "    • alice: tests",
    ]
    assert chat.sent == [
        ("D-U123", "Standup in 30 minutes!", None),
        ("#general", "Standup for Monday\n• alice: tests", BLOCKS),
    ]
    assert first < second
