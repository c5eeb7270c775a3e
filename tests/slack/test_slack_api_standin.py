"""The Slack stand-in, driven over real HTTP by slack_sdk's own WebClient."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.testing.slack_api import SlackStandIn

TOKEN = "xoxb-test-token"
BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Yesterday*: tests"}}]


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn() as standin:
        standin.world.add_channel("one", channel_id="C1")  # public, the bot not in it
        yield standin


def client(slack: SlackStandIn, token: str | None = TOKEN) -> WebClient:
    """A WebClient without retry handlers, so every fault surfaces as it was injected."""
    return WebClient(token=token, base_url=slack.url, timeout=5, retry_handlers=[])


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_url_is_a_slack_sdk_base_url(slack: SlackStandIn) -> None:
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")


def test_url_before_start_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        _ = SlackStandIn().url


def test_records_form_call_with_token_and_params(slack: SlackStandIn) -> None:
    response = client(slack).conversations_open(users="U123")  # slack-sdk sends a form

    assert response["channel"]["id"] == "DU123"
    [call] = slack.calls
    assert call.method == "conversations.open"
    assert call.params == {"users": "U123"}
    assert call.token == TOKEN
    assert call.outcome == "ok"
    assert slack.calls_to("conversations.open") == [call]
    assert slack.calls_to("chat.postMessage") == []


def test_post_message_json_body_with_blocks(slack: SlackStandIn) -> None:
    response = client(slack).chat_postMessage(channel="C1", text="hi", blocks=BLOCKS)

    assert response["ok"] is True
    assert response["channel"] == "C1"
    [params] = slack.posted_messages("C1")
    assert params["text"] == "hi"
    assert params["blocks"] == BLOCKS


def test_form_blocks_sent_as_json_text_are_parsed(slack: SlackStandIn) -> None:
    data = {"channel": "C1", "text": "hi", "blocks": json.dumps(BLOCKS)}
    client(slack).api_call("chat.postMessage", data=data)  # form-encoded

    assert slack.posted_messages()[0]["blocks"] == BLOCKS


def test_query_string_params_and_body_token(slack: SlackStandIn) -> None:
    status, body = raw_post(
        slack.url + "users.info?user=U9",
        b"token=xoxb-in-body",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert status == 200
    assert body["user"]["id"] == "U9"
    assert body["user"]["tz"] == "UTC"
    [call] = slack.calls
    assert call.token == "xoxb-in-body"
    assert "token" not in call.params


def test_message_ts_are_unique_and_increasing(slack: SlackStandIn) -> None:
    web = client(slack)
    stamps = [web.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(20)]

    values = [Decimal(ts) for ts in stamps]
    assert values == sorted(values)
    assert len(set(values)) == len(values)
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_other_methods_marvin_uses(slack: SlackStandIn) -> None:
    web = client(slack)

    assert web.auth_test()["user_id"]
    assert web.users_info(user="U1")["user"]["name"]
    assert web.conversations_join(channel="C1")["channel"]["id"] == "C1"
    assert web.chat_postEphemeral(channel="C1", user="U1", text="noted")["message_ts"]
    assert [c.method for c in slack.calls] == [
        "auth.test",
        "users.info",
        "conversations.join",
        "chat.postEphemeral",
    ]
    assert slack.posted_messages() == []  # ephemeral messages are not posts


def test_unknown_method_is_an_error_and_recorded(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as info:
        client(slack).api_call("reactions.add", params={"name": "tada"})

    assert info.value.response["error"] == "unknown_method"
    assert slack.calls[0].outcome == "error:unknown_method"


def test_missing_token_is_not_authed(slack: SlackStandIn) -> None:
    with pytest.raises(SlackApiError) as info:
        client(slack, token=None).auth_test()

    assert info.value.response["error"] == "not_authed"


def test_missing_arguments_get_slack_errors(slack: SlackStandIn) -> None:
    web = client(slack)
    with pytest.raises(SlackApiError) as info:
        web.api_call("chat.postMessage", json={"channel": "C1"})
    assert info.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as info:
        web.api_call("conversations.open", params={})
    assert info.value.response["error"] == "users_list_not_supplied"


def test_unparseable_body_is_recorded_as_invalid(slack: SlackStandIn) -> None:
    status, body = raw_post(
        slack.url + "chat.postMessage",
        b"[not json",
        {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )

    assert (status, body["error"]) == (200, "invalid_form_data")
    assert slack.calls[0].outcome == "error:invalid_form_data"


def test_latency_does_not_serialise_concurrent_calls(slack: SlackStandIn) -> None:
    """Serialised, each call would arrive only after the one before it was answered, a
    latency apart: all ten arrive within one latency of each other (no timing of ours)."""
    latency = 1.0
    slack.set_latency(latency)
    web = client(slack)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda i: web.users_info(user=f"U{i}"), range(10)))

    assert all(r["ok"] for r in results)
    arrivals = [call.at for call in slack.calls]
    assert len(arrivals) == 10
    assert max(arrivals) - min(arrivals) < latency  # serialised: at least 9 latencies


def test_latency_per_method_overrides_default(slack: SlackStandIn) -> None:
    slack.set_latency(0.3, "users.info")
    web = client(slack)

    started = time.perf_counter()
    web.users_info(user="U1")
    assert time.perf_counter() - started >= 0.3


def test_fail_next_429_with_retry_after(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=1)
    web = client(slack)

    with pytest.raises(SlackApiError) as info:
        web.chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "1"
    assert info.value.response["error"] == "ratelimited"

    web.chat_postMessage(channel="C1", text="hi")  # only the next call failed
    assert [c.outcome for c in slack.calls] == ["http:429", "ok"]
    assert len(slack.posted_messages()) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_fail_next_server_errors_count_down(slack: SlackStandIn, status: int) -> None:
    slack.fail_next("users.info", times=2, status=status)
    web = client(slack)

    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            web.users_info(user="U1")
        assert info.value.response.status_code == status
    assert web.users_info(user="U1")["ok"]
    assert [c.outcome for c in slack.calls] == [f"http:{status}"] * 2 + ["ok"]


def test_fail_next_after_acting_posts_then_fails(slack: SlackStandIn) -> None:
    """A 500 answered after the write: the message is in the channel's history."""
    slack.fail_next("chat.postMessage", status=500, after_acting=True)
    web = client(slack)

    with pytest.raises(SlackApiError) as info:
        web.chat_postMessage(channel="C1", text="landed anyway")

    assert info.value.response.status_code == 500
    assert [(c.outcome, c.acted) for c in slack.calls] == [("http:500", True)]
    assert [m["text"] for m in slack.posted_messages("C1")] == ["landed anyway"]
    web.conversations_join(channel="C1")  # reading history needs membership
    history = web.conversations_history(channel="C1")["messages"]
    assert [m["text"] for m in history] == ["landed anyway"]


def test_fail_next_ok_false_error(slack: SlackStandIn) -> None:
    slack.fail_next("chat.postMessage", status=200, error="not_in_channel")

    with pytest.raises(SlackApiError) as info:
        client(slack).chat_postMessage(channel="C1", text="hi")

    assert info.value.response.status_code == 200
    assert info.value.response["error"] == "not_in_channel"
    assert slack.calls[0].outcome == "error:not_in_channel"
    assert slack.posted_messages() == []


def test_fail_next_needs_an_error_code_for_status_200(slack: SlackStandIn) -> None:
    with pytest.raises(ValueError):
        slack.fail_next("chat.postMessage", status=200)


def test_fail_next_any_method(slack: SlackStandIn) -> None:
    slack.fail_next("*", status=503)
    web = client(slack)

    with pytest.raises(SlackApiError):
        web.auth_test()
    assert web.auth_test()["ok"]


def test_fail_for_channel_is_permanent_and_targeted(slack: SlackStandIn) -> None:
    slack.fail_for_channel("C9", "is_archived")
    web = client(slack)

    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            web.chat_postMessage(channel="C9", text="hi")
        assert info.value.response["error"] == "is_archived"
    web.chat_postMessage(channel="C1", text="hi")

    assert [m["channel"] for m in slack.posted_messages()] == ["C1"]
    assert slack.posted_messages("C9") == []


def test_fail_for_user_covers_their_dm(slack: SlackStandIn) -> None:
    slack.fail_for_channel("U2", "account_inactive")
    web = client(slack)

    with pytest.raises(SlackApiError) as info:
        web.conversations_open(users="U2")
    assert info.value.response["error"] == "account_inactive"
    with pytest.raises(SlackApiError):
        web.chat_postMessage(channel="DU2", text="hi")
    assert web.conversations_open(users="U1")["channel"]["id"] == "DU1"


def test_reset_clears_calls_and_faults(slack: SlackStandIn) -> None:
    web = client(slack)
    web.auth_test()
    slack.fail_next("auth.test", status=500)
    slack.fail_for_channel("C1", "channel_not_found")
    slack.set_latency(5.0)

    slack.reset()

    assert slack.calls == []
    assert web.auth_test()["ok"]
    assert web.chat_postMessage(channel="#general", text="hi")["ok"]


def test_calls_is_a_snapshot(slack: SlackStandIn) -> None:
    snapshot = slack.calls
    client(slack).auth_test()

    assert snapshot == []
    assert len(slack.calls) == 1


def test_non_api_path_is_not_found(slack: SlackStandIn) -> None:
    status, body = raw_post(slack.url.replace("/api/", "/other"), b"", {})

    assert status == 404
    assert body["ok"] is False
    assert slack.calls == []


def test_stop_is_idempotent_and_frees_the_port() -> None:
    standin = SlackStandIn().start()
    url = standin.url
    standin.stop()
    standin.stop()

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "auth.test", data=b"", timeout=2)


APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"


def test_apps_connections_open_takes_an_app_token_only(slack: SlackStandIn) -> None:
    answer = client(slack, APP_TOKEN).apps_connections_open(app_token=APP_TOKEN)
    assert answer["url"] == slack.socket_url and str(answer["url"]).startswith("ws://")

    with pytest.raises(SlackApiError) as bot_token:
        client(slack).apps_connections_open(app_token=TOKEN)
    with pytest.raises(SlackApiError) as app_token_elsewhere:
        client(slack, APP_TOKEN).chat_postMessage(channel="C1", text="hi")

    assert bot_token.value.response["error"] == "not_allowed_token_type"
    assert app_token_elsewhere.value.response["error"] == "not_allowed_token_type"


def test_a_refused_token_is_answered_invalid_auth_until_reset(slack: SlackStandIn) -> None:
    slack.refuse_token(APP_TOKEN)

    with pytest.raises(SlackApiError) as refused:
        client(slack, APP_TOKEN).apps_connections_open(app_token=APP_TOKEN)
    assert refused.value.response["error"] == "invalid_auth"
    assert client(slack).auth_test()["ok"]  # other tokens are unaffected

    slack.reset()
    assert client(slack, APP_TOKEN).apps_connections_open(app_token=APP_TOKEN)["ok"]
