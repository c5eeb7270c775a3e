"""The stand-in enforcing Slack's rate tiers (429 + Retry-After, per token and method, per
channel for posts) and its latency option, seen through plain slack-sdk clients."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.testing.slack_api import SlackStandIn


def client(slack: SlackStandIn, token: str = "xoxb-one") -> WebClient:
    return WebClient(token=token, base_url=slack.url, retry_handlers=[])


def test_a_tier_2_method_is_refused_past_its_burst_with_retry_after() -> None:
    with SlackStandIn(tiers=True) as slack:
        one = client(slack)
        for _ in range(20):  # Tier 2: 20 a minute
            one.conversations_list()
        with pytest.raises(SlackApiError) as refused:
            one.conversations_list()
        assert refused.value.response.status_code == 429
        assert refused.value.response.headers["Retry-After"] == "3"  # one more in 3 s
        assert slack.rate_limited == 1
        client(slack, "xoxb-two").conversations_list()  # another workspace: its own tier
        one.users_info(user="U1")  # another method: its own tier


def test_posts_to_one_channel_are_limited_to_about_one_a_second() -> None:
    with SlackStandIn(tiers=True) as slack:
        one = client(slack)
        for _ in range(3):  # a short burst is allowed
            one.chat_postMessage(channel="U1", text="hi")
        with pytest.raises(SlackApiError) as refused:
            one.chat_postMessage(channel="U1", text="hi")
        assert refused.value.response.headers["Retry-After"] == "1"
        one.chat_postMessage(channel="U2", text="hi")  # another DM goes
        assert slack.rate_limited == 1
        assert [c.outcome for c in slack.calls_to("chat.postMessage")].count("http:429") == 1


def test_tiers_are_off_unless_asked_for() -> None:
    with SlackStandIn() as slack:
        one = client(slack)
        for _ in range(25):
            one.conversations_list()
        assert slack.rate_limited == 0


def test_latency_delays_every_answer() -> None:
    with SlackStandIn(latency=0.2) as slack:
        client(slack).auth_test()
        client(slack).auth_test()
        first, second = slack.calls
        assert second.at - first.at >= 0.2  # the second was sent after the first's answer
