"""The stand-in's ``chat.update``, threads and ``conversations.replies`` follow Slack's
rules (driven over real HTTP by slack_sdk's WebClient, as Marvin's client is)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.testing.slack_api import SlackStandIn

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}


@pytest.fixture
def web(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-world", base_url=standin.url, timeout=5, retry_handlers=[])


@pytest.fixture
def general(standin: SlackStandIn, web: WebClient) -> str:
    channel = standin.world.channel_id("#general")
    assert channel is not None
    web.conversations_join(channel=channel)
    return channel


def error_of(call: object, **kwargs: object) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)  # type: ignore[operator]
    return str(info.value.response["error"])


def test_chat_update_edits_the_bots_own_message_by_channel_id(
    standin: SlackStandIn, web: WebClient, general: str
) -> None:
    ts = web.chat_postMessage(channel="#general", text="one", blocks=[SECTION])["ts"]

    answer = web.chat_update(channel=general, ts=ts, text="two")
    assert answer["ts"] == ts and answer["channel"] == general
    [message] = standin.world.messages(general)
    assert message["text"] == "two" and message["blocks"] == [SECTION]  # kept (sdk #523)

    web.chat_update(channel=general, ts=ts, text="three", blocks=[])
    [message] = standin.world.messages(general)
    assert message["text"] == "three" and "blocks" not in message  # an empty list drops them
    assert [c.outcome for c in standin.calls_to("chat.update")] == ["ok", "ok"]


def test_chat_update_refuses_what_slack_refuses(
    standin: SlackStandIn, web: WebClient, general: str
) -> None:
    ts = web.chat_postMessage(channel=general, text="one")["ts"]
    standin.world.add_chatter("#general", 1, standin.next_ts)
    theirs = standin.world.messages(general)[-1]["ts"]

    assert error_of(web.chat_update, channel="#general", ts=ts, text="x") == "channel_not_found"
    assert error_of(web.chat_update, channel=general, ts="1.000001", text="x") == (
        "message_not_found")
    assert error_of(web.chat_update, channel=general, ts=theirs, text="x") == (
        "cant_update_message")
    assert error_of(web.chat_update, channel=general, ts=ts, text="x" * 40_001) == "msg_too_long"
    assert error_of(web.chat_update, channel=general, ts=ts, text="x",
                    blocks=[SECTION] * 51) == "invalid_blocks"
    standin.world.edits_allowed = False
    assert error_of(web.chat_update, channel=general, ts=ts, text="x") == "edit_window_closed"
    standin.world.set_scopes(["channels:join"])
    assert error_of(web.chat_update, channel=general, ts=ts, text="x") == "missing_scope"
    assert standin.world.messages(general)[0]["text"] == "one"


def test_replies_live_in_their_thread_not_in_the_channels_history(
    standin: SlackStandIn, web: WebClient, general: str
) -> None:
    parent = web.chat_postMessage(channel=general, text="parent")["ts"]
    replies = [web.chat_postMessage(channel=general, text=f"r{n}", thread_ts=parent)["ts"]
               for n in range(3)]
    nested = web.chat_postMessage(channel=general, text="r3", thread_ts=replies[0])["ts"]

    history = web.conversations_history(channel=general)["messages"]
    assert [m["ts"] for m in history] == [parent]

    first = web.conversations_replies(channel=general, ts=parent, limit=2)
    assert [m["text"] for m in first["messages"]] == ["parent", "r0"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    rest = web.conversations_replies(channel=general, ts=parent, limit=10, cursor=cursor)
    assert [m["ts"] for m in rest["messages"]] == [*replies[1:], nested]  # a reply to a reply
    assert not rest["has_more"]

    alone = web.conversations_replies(channel=general, ts=replies[1])["messages"]
    assert [m["ts"] for m in alone] == [replies[1]]  # a reply's ts: just that message
    assert error_of(web.conversations_replies, channel=general, ts="1.000001") == (
        "thread_not_found")
    assert error_of(web.conversations_replies, channel="#general", ts=parent) == (
        "channel_not_found")


def test_post_message_checks_thread_ts(
    standin: SlackStandIn, web: WebClient, general: str
) -> None:
    assert error_of(web.chat_postMessage, channel=general, text="x", thread_ts="soon") == (
        "invalid_thread_ts")
    assert error_of(web.chat_postMessage, channel=general, text="x", thread_ts="1.000001") == (
        "thread_not_found")
    assert standin.world.messages(general) == []


def test_replies_need_the_history_scope_and_membership(
    standin: SlackStandIn, web: WebClient
) -> None:
    ops = standin.world.add_channel("ops")
    parent = web.chat_postMessage(channel=ops, text="parent")["ts"]  # chat:write.public
    assert error_of(web.conversations_replies, channel=ops, ts=parent) == "not_in_channel"
    web.conversations_join(channel=ops)
    standin.world.revoke_scope("channels:history")
    assert error_of(web.conversations_replies, channel=ops, ts=parent) == "missing_scope"
