"""The stand-in keeps Slack's own rules for channels, membership, scopes and history pages
(driven over real HTTP by slack_sdk's WebClient, as Marvin's client is)."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.slack.scopes import REQUIRED_SCOPES
from marvin.testing.slack_api import SlackStandIn


@pytest.fixture
def web(standin: SlackStandIn) -> WebClient:
    return WebClient(token="xoxb-world", base_url=standin.url, timeout=5, retry_handlers=[])


def error_of(call: object, *args: object, **kwargs: object) -> dict[str, object]:
    with pytest.raises(SlackApiError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    return dict(info.value.response.data)  # type: ignore[arg-type]


def test_only_chat_post_message_takes_a_name_and_it_answers_with_the_id(
    standin: SlackStandIn, web: WebClient
) -> None:
    general = standin.world.channel_id("#general")
    assert general is not None and general.startswith("C")

    assert web.chat_postMessage(channel="#general", text="hi")["channel"] == general
    for method in (web.conversations_history, web.conversations_info, web.conversations_join):
        assert error_of(method, channel="#general")["error"] == "channel_not_found"
    assert error_of(web.chat_postMessage, channel="#nope", text="hi")["error"] == (
        "channel_not_found"
    )


def test_history_needs_membership_and_a_public_channel_is_joined(
    standin: SlackStandIn, web: WebClient
) -> None:
    general = str(standin.world.channel_id("#general"))
    web.chat_postMessage(channel=general, text="hi")  # chat:write.public: no need to join

    assert error_of(web.conversations_history, channel=general)["error"] == "not_in_channel"
    assert web.conversations_join(channel=general)["channel"]["is_member"] is True
    assert web.conversations_join(channel=general)["warning"] == "already_in_channel"
    assert [m["text"] for m in web.conversations_history(channel=general)["messages"]] == ["hi"]


def test_without_chat_write_public_a_non_member_cannot_post(
    standin: SlackStandIn, web: WebClient
) -> None:
    standin.world.revoke_scope("chat:write.public")

    assert error_of(web.chat_postMessage, channel="#general", text="hi")["error"] == (
        "not_in_channel"
    )
    web.conversations_join(channel=str(standin.world.channel_id("#general")))
    assert web.chat_postMessage(channel="#general", text="hi")["ok"]


def test_a_private_channel_exists_for_the_bot_only_once_invited(
    standin: SlackStandIn, web: WebClient
) -> None:
    leads = standin.world.add_channel("leads", private=True)

    assert error_of(web.chat_postMessage, channel="#leads", text="hi")["error"] == (
        "channel_not_found"
    )
    assert error_of(web.conversations_info, channel=leads)["error"] == "channel_not_found"
    listed = [c["name"] for c in web.conversations_list(types="public_channel,private_channel")
              ["channels"]]
    assert "leads" not in listed

    standin.world.invite_bot("#leads")

    assert web.conversations_info(channel=leads)["channel"]["is_private"] is True
    assert error_of(web.conversations_join, channel=leads)["error"] == (
        "method_not_supported_for_channel_type"
    )
    assert web.chat_postMessage(channel="#leads", text="hi")["channel"] == leads
    assert len(web.conversations_history(channel=leads)["messages"]) == 1


def test_history_comes_in_pages_after_oldest_with_metadata_only_when_asked(
    standin: SlackStandIn, web: WebClient
) -> None:
    general = str(standin.world.channel_id("#general"))
    web.conversations_join(channel=general)
    metadata = {"event_type": "marvin_delivery", "event_payload": {"key": "k"}}
    first = web.chat_postMessage(channel=general, text="first", metadata=metadata)["ts"]
    standin.world.add_chatter("#general", 5, standin.next_ts)

    page = web.conversations_history(channel=general, limit=2, oldest=first)
    texts = [m["text"] for m in page["messages"]]
    assert texts == ["chat 4", "chat 3"] and page["has_more"] is True  # oldest is exclusive
    seen = texts
    cursor = page["response_metadata"]["next_cursor"]
    while cursor:
        page = web.conversations_history(channel=general, limit=2, oldest=first, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == ["chat 4", "chat 3", "chat 2", "chat 1", "chat 0"] and not page["has_more"]

    everything = web.conversations_history(channel=general)["messages"]
    assert "metadata" not in everything[-1]
    with_metadata = web.conversations_history(channel=general, include_all_metadata=True)
    assert with_metadata["messages"][-1]["metadata"] == metadata
    assert web.conversations_history(channel=general, oldest=first, inclusive=True)[
        "messages"][-1]["ts"] == first
    assert error_of(web.conversations_history, channel=general, cursor="bogus")["error"] == (
        "invalid_cursor"
    )


def test_the_channel_list_comes_in_pages(standin: SlackStandIn, web: WebClient) -> None:
    for n in range(7):
        standin.world.add_channel(f"team-{n}")

    names: list[str] = []
    cursor = None
    while True:
        page = web.conversations_list(limit=3, cursor=cursor, exclude_archived=True)
        names += [c["name"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["general", "random", "testing", "alerts"] + [f"team-{n}" for n in range(7)]


def test_granted_scopes_come_in_a_header_and_a_missing_one_is_refused(
    standin: SlackStandIn, web: WebClient
) -> None:
    answer = web.auth_test()
    assert set(answer.headers["x-oauth-scopes"].split(",")) == set(REQUIRED_SCOPES)

    standin.world.revoke_scope("channels:history")
    general = str(standin.world.channel_id("#general"))
    web.conversations_join(channel=general)
    refused = error_of(web.conversations_history, channel=general)

    assert refused["error"] == "missing_scope" and refused["needed"] == "channels:history"
    assert "channels:history" not in str(refused["provided"]).split(",")
    assert "im:history" in str(refused["provided"]).split(",")
    dm = web.conversations_open(users="U1")["channel"]["id"]
    assert web.conversations_history(channel=dm)["ok"]  # a DM takes im:history instead


def test_users_info_knows_deactivated_and_unknown_users(
    standin: SlackStandIn, web: WebClient
) -> None:
    standin.world.delete_user("U2")
    standin.world.forget_user("U3")

    assert web.users_info(user="U1")["user"]["deleted"] is False
    assert web.users_info(user="U2")["user"]["deleted"] is True
    assert error_of(web.users_info, user="U3")["error"] == "user_not_found"
    assert error_of(web.conversations_open, users="U2")["error"] == "user_disabled"
    assert error_of(web.conversations_open, users="U3")["error"] == "user_not_found"
    assert web.conversations_open(users="U1")["ok"]


def test_reply_next_gives_an_answer_as_is(standin: SlackStandIn, web: WebClient) -> None:
    standin.reply_next("conversations.history", {"ok": True})
    general = str(standin.world.channel_id("#general"))

    assert "messages" not in web.conversations_history(channel=general).data
    assert error_of(web.conversations_history, channel=general)["error"] == "not_in_channel"
