"""The stand-in refuses messages over Slack's limits, with Slack's error codes and messages."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_limits_check import (
    CONTAINER_COST,
    CUMULATIVE_LIMIT,
    check_message,
    cumulative_size,
    units,
)


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def error(params: dict[str, Any]) -> str | None:
    refused = check_message(params)
    return None if refused is None else str(refused["error"])


def test_units_count_astral_characters_twice() -> None:
    assert units("abc") == 3
    assert units("👍") == 2
    assert units("👍🏽") == 4
    assert units("é") == 1


@pytest.mark.parametrize(
    ("blocks", "pointer", "limit"),
    [
        ([section("x" * 3_001)], "/blocks/0/text/text", 3_000),
        ([section("ok"), header("h" * 151)], "/blocks/1/text/text", 150),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3_001}]}],
         "/blocks/0/elements/0/text", 3_000),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2_001}]}],
         "/blocks/0/fields/0/text", 2_000),
        ([{"type": "markdown", "text": "m" * 12_001}], "/blocks/0/text", 12_000),
        ([section("👍" * 1_501)], "/blocks/0/text/text", 3_000),  # 3,002 UTF-16 units
    ],
)
def test_a_block_over_its_limit_is_invalid_blocks_with_slacks_message(
    blocks: list[dict[str, Any]], pointer: str, limit: int
) -> None:
    refused = check_message({"channel": "C1", "blocks": blocks})

    assert refused is not None
    assert refused["error"] == "invalid_blocks"
    problem = f"must be less than {limit + 1} characters [json-pointer:{pointer}]"
    assert refused["errors"] == [problem]
    assert refused["response_metadata"]["messages"] == [f"[ERROR] {problem}"]


def test_block_arrays_and_shapes_slack_refuses() -> None:
    assert error({"blocks": [{"type": "divider"}] * 50}) is None
    assert error({"blocks": [{"type": "divider"}] * 51}) == "invalid_blocks"
    assert error({"blocks": [{"type": "section", "fields": [
        {"type": "mrkdwn", "text": "f"}] * 11}]}) == "invalid_blocks"
    assert error({"blocks": [{"type": "context", "elements": [
        {"type": "mrkdwn", "text": "c"}] * 11}]}) == "invalid_blocks"
    assert error({"blocks": [section("")]}) == "invalid_blocks"
    assert error({"blocks": [{"type": "section"}]}) == "invalid_blocks"
    assert error({"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]}) == (
        "invalid_blocks"
    )
    assert error({"blocks": [section("a", "same"), section("b", "same")]}) == "invalid_blocks"
    assert error({"blocks": [section("a", "i" * 256)]}) == "invalid_blocks"
    assert error({"blocks": [{"type": "carousel"}]}) == "invalid_blocks"
    assert error({"blocks": "[not json"}) == "invalid_blocks_format"
    assert error({"blocks": {"type": "divider"}}) == "invalid_blocks_format"
    assert error({"blocks": ["divider"]}) == "invalid_blocks_format"


def test_cumulative_block_text_over_about_12000_is_msg_blocks_too_long() -> None:
    # Each section within 3,000: 4 are under the limit (text + one container each), 5 over.
    blocks = [section("y" * 2_900, f"b{n}") for n in range(4)]
    assert cumulative_size(blocks) == 4 * 2_900 + 4 * CONTAINER_COST
    assert cumulative_size(blocks) < CUMULATIVE_LIMIT
    assert error({"blocks": blocks}) is None
    blocks.append(section("z" * 500, "b4"))
    assert cumulative_size(blocks) > CUMULATIVE_LIMIT
    assert error({"blocks": blocks}) == "msg_blocks_too_long"


def test_a_top_level_text_over_40000_is_msg_too_long() -> None:
    assert error({"text": "t" * 40_000}) is None
    assert error({"text": "t" * 40_001}) == "msg_too_long"
    assert error({"text": "🙂" * 20_001}) == "msg_too_long"


@pytest.mark.parametrize("method", ["chat.postMessage", "chat.postEphemeral"])
def test_the_stand_in_answers_like_slack_over_http_and_posts_nothing(
    standin: SlackStandIn, method: str
) -> None:
    client = WebClient(token="xoxb-test", base_url=standin.url, retry_handlers=[])
    too_long = [section("y" * 2_900, f"b{n}") for n in range(5)]

    with pytest.raises(SlackApiError) as refused:
        client.api_call(method, json={"channel": "C1", "user": "U1", "text": "t",
                                      "blocks": too_long})
    with pytest.raises(SlackApiError) as invalid:
        client.api_call(method, json={"channel": "C1", "user": "U1", "text": "t",
                                      "blocks": [section("x" * 3_001)]})

    assert refused.value.response["error"] == "msg_blocks_too_long"
    assert invalid.value.response["error"] == "invalid_blocks"
    assert invalid.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    assert [c.outcome for c in standin.calls] == ["error:msg_blocks_too_long",
                                                "error:invalid_blocks"]
    assert standin.posted_messages() == []
