"""The stand-in's modals and message edits, over HTTP with slack_sdk: as strict as Slack."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from marvin.domain.models import Question, Team
from marvin.interactions.reminder_dm import reminder_blocks
from marvin.interactions.update_modal import update_view
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_limits_check import check_message
from marvin.testing.slack_views import check_view

TOKEN = "xoxb-test-token"


@pytest.fixture
def slack(standin: SlackStandIn) -> SlackStandIn:
    return standin  # the shared one (tests/conftest.py), by the name used here


@pytest.fixture
def web(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url, timeout=5, retry_handlers=[])


def modal(**changes: Any) -> dict[str, Any]:
    return {**update_view(Team(), "2026-11-18", None), **changes}


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as raised:
        call()
    data = raised.value.response.data
    assert isinstance(data, dict)
    return data


def test_a_trigger_opens_one_view_once_within_three_seconds(
    slack: SlackStandIn, web: WebClient
) -> None:
    trigger = slack.issue_trigger()
    opened = web.views_open(trigger_id=trigger, view=modal())
    assert opened["view"]["id"].startswith("V") and opened["view"]["state"] == {"values": {}}
    assert error_of(lambda: web.views_open(trigger_id=trigger, view=modal()))["error"] == \
        "expired_trigger_id"
    late = slack.issue_trigger()
    slack.expire_trigger(late)
    assert error_of(lambda: web.views_open(trigger_id=late, view=modal()))["error"] == \
        "expired_trigger_id"
    assert error_of(lambda: web.views_open(trigger_id="1.2.3", view=modal()))["error"] == \
        "invalid_trigger_id"
    missing = error_of(lambda: web.api_call("views.open", json={"view": modal()}))
    assert missing["error"] == "invalid_arguments"
    assert "trigger_id" in missing["response_metadata"]["messages"][0]


def test_views_update_needs_an_open_view(slack: SlackStandIn, web: WebClient) -> None:
    opened = web.views_open(trigger_id=slack.issue_trigger(), view=modal())
    web.views_update(view_id=opened["view"]["id"], view=modal())
    assert error_of(lambda: web.views_update(view_id="V404", view=modal()))["error"] == \
        "not_found"


@pytest.mark.parametrize(("view", "pointer"), [
    (modal(title={"type": "plain_text", "text": "x" * 25}), "/view/title/text"),
    (modal(submit={"type": "plain_text", "text": "x" * 25}), "/view/submit/text"),
    (modal(title={"type": "mrkdwn", "text": "Standup"}), "/view/title"),
    (modal(type="home"), "/view/type"),
    (modal(submit=None), "/view/submit"),
    (modal(private_metadata="x" * 3001), "/view/private_metadata"),
    (modal(callback_id="x" * 256), "/view/callback_id"),
    (modal(blocks=[{"type": "divider"}] * 101), "/view/blocks"),
    (modal(blocks=[{"type": "divider", "block_id": "a"}] * 2), "/view/blocks/1/block_id"),
    (modal(blocks=[{"type": "divider", "block_id": "x" * 256}]), "/view/blocks/0/block_id"),
])
def test_views_over_slacks_limits_are_invalid_arguments(
    slack: SlackStandIn, web: WebClient, view: dict[str, Any], pointer: str
) -> None:
    view = {k: v for k, v in view.items() if v is not None}
    answer = error_of(lambda: web.views_open(trigger_id=slack.issue_trigger(), view=view))
    assert answer["error"] == "invalid_arguments"
    assert any(f"[json-pointer:{pointer}]" in m and m.startswith("[ERROR] ")
               for m in answer["response_metadata"]["messages"]), answer


def test_inputs_over_slacks_limits_are_refused() -> None:
    view = modal()
    question = view["blocks"][1]
    too_long_label = {**question, "label": {"type": "plain_text", "text": "x" * 2001}}
    too_long_input = {**question, "element": {**question["element"], "max_length": 3001}}
    assert "/view/blocks/1/label/text" in check_view({**view, "blocks": [view["blocks"][0],
                                                                          too_long_label]})[0]
    assert "max_length" in check_view({**view, "blocks": [view["blocks"][0],
                                                          too_long_input]})[0]


def test_marvins_own_modal_passes_with_ten_long_questions() -> None:
    questions = tuple(Question(f"q{n}", "Q" * 150) for n in range(10))
    assert check_view(update_view(Team(questions=questions), "2026-11-18", None)) == []


def test_buttons_are_checked_like_slack(slack: SlackStandIn, web: WebClient) -> None:
    blocks = reminder_blocks("Hi", "2026-11-18")
    assert check_message({"channel": "D1", "blocks": blocks}) is None
    buttons = blocks[1]["elements"]
    cases = {
        "duplicate action_id": [{**buttons[0]}, {**buttons[0]}],
        "/text/text": [{**buttons[0], "text": {"type": "plain_text", "text": "x" * 76}}],
        "/value": [{**buttons[0], "value": "x" * 2001}],
        "/action_id": [{**buttons[0], "action_id": "x" * 256}],
    }
    for problem, elements in cases.items():
        payload = {"channel": "D1", "blocks": [{**blocks[1], "elements": elements}]}
        refused = check_message(payload)
        assert refused is not None and refused["error"] == "invalid_blocks", problem
        assert any(problem in p for p in refused["errors"]), refused


def test_chat_update_edits_only_the_bots_own_message(
    slack: SlackStandIn, web: WebClient
) -> None:
    posted = web.chat_postMessage(channel="DU1", text="before", blocks=reminder_blocks("b", "d"))
    web.chat_update(channel="DU1", ts=posted["ts"], text="after", blocks=[])
    [message] = slack.world.messages("DU1")
    assert message["text"] == "after" and "blocks" not in message
    assert error_of(lambda: web.chat_update(channel="DU1", ts="1.0", text="x"))["error"] == \
        "message_not_found"
    slack.world.set_scopes(("commands",))
    assert error_of(lambda: web.chat_update(channel="DU1", ts=posted["ts"], text="x"))[
        "error"] == "missing_scope"
