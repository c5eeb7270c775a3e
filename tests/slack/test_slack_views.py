"""The stand-in's ``views.*``: refused exactly where Slack refuses, so a view that would
never open in Slack fails a test here."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.testing.slack_views import TRIGGER_LIFETIME, ViewDesk, view_problems


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def modal(**fields: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Standup"},
            "blocks": [], **fields}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def known(user: str) -> bool:
    return user.startswith("U")


def test_a_trigger_opens_one_view_within_three_seconds() -> None:
    clock = Clock()
    desk = ViewDesk(clock)
    first, late = desk.new_trigger(), desk.new_trigger()

    assert desk.answer("views.open", {"trigger_id": first, "view": modal()}, known)["ok"]
    again = desk.answer("views.open", {"trigger_id": first, "view": modal()}, known)
    clock.now += TRIGGER_LIFETIME + 0.01
    expired = desk.answer("views.open", {"trigger_id": late, "view": modal()}, known)
    unknown = desk.answer("views.open", {"trigger_id": "1.2.abc", "view": modal()}, known)

    assert again["error"] == "exchanged_trigger_id"
    assert expired["error"] == "expired_trigger_id"
    assert unknown["error"] == "invalid_trigger_id"
    assert len(desk.opened) == 1


def test_a_view_sent_as_json_text_is_read_like_an_object() -> None:
    desk = ViewDesk()
    text = '{"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": []}'
    assert desk.answer("views.open", {"trigger_id": desk.new_trigger(), "view": text}, known)["ok"]
    bad = desk.answer("views.open", {"trigger_id": desk.new_trigger(), "view": "{nope"}, known)
    assert bad["error"] == "invalid_arguments"


@pytest.mark.parametrize(("view", "pointer"), [
    (modal(title=plain("x" * 25)), "/view/title"),
    (modal(submit=plain("y" * 25)), "/view/submit"),
    (modal(private_metadata="m" * 3001), "/view/private_metadata"),
    (modal(callback_id="c" * 256), "/view/callback_id"),
    (modal(blocks=[{"type": "divider"}] * 101), "/view/blocks"),
    (modal(blocks=[{"type": "input", "label": plain("Q"), "element": {
        "type": "plain_text_input", "action_id": "a"}}]), "/view/submit"),
    (modal(submit=plain("Save"), blocks=[{"type": "input", "label": plain("Q" * 2001),
                                          "element": {"type": "plain_text_input"}}]),
     "/view/blocks/0/label"),
    (modal(submit=plain("Save"), blocks=[{"type": "input", "label": plain("Q"), "element": {
        "type": "plain_text_input", "max_length": 3001}}]), "/view/blocks/0/element/max_length"),
    (modal(blocks=[{"type": "divider", "block_id": "b"}, {"type": "divider", "block_id": "b"}]),
     "/view/blocks/1/block_id"),
    (modal(blocks=[{"type": "actions", "elements": [
        {"type": "button", "text": plain("a"), "action_id": "same"},
        {"type": "button", "text": plain("b"), "action_id": "same"}]}]),
     "/view/blocks/0/elements/1/action_id"),
    (modal(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "s"}, "accessory": {
        "type": "button", "text": plain("b" * 76), "action_id": "a"}}]),
     "/view/blocks/0/accessory/text"),
    (modal(blocks=[{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}]),
     "/view/blocks/0/text"),
    (modal(blocks=[{"type": "context", "elements": []}]), "/view/blocks/0/elements"),
    (modal(blocks=[{"type": "mystery"}]), "/view/blocks/0/type"),
])
def test_a_view_over_a_block_kit_limit_is_refused_naming_where(
    view: dict[str, Any], pointer: str
) -> None:
    desk = ViewDesk()
    answer = desk.answer("views.open", {"trigger_id": desk.new_trigger(), "view": view}, known)
    assert answer["ok"] is False and answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"][0].endswith(f"[json-pointer:{pointer}]")
    assert [p for _m, p in view_problems(view)][0] == pointer


def test_publish_needs_a_known_user_and_a_home_view_and_keeps_the_latest() -> None:
    desk = ViewDesk()
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    first = desk.answer("views.publish", {"user_id": "U1", "view": home}, known)

    assert first["ok"] and desk.home["U1"]["blocks"] == home["blocks"]
    assert desk.answer("views.publish", {"view": home}, known)["error"] == "invalid_arguments"
    assert desk.answer("views.publish", {"user_id": "B1", "view": home}, known)["error"] == (
        "user_not_found")
    assert desk.answer("views.publish", {"user_id": "U1", "view": modal()}, known)["error"] == (
        "invalid_arguments")
    with_submit = {**home, "submit": plain("Save")}
    assert desk.answer("views.publish", {"user_id": "U1", "view": with_submit},
                       known)["error"] == "invalid_arguments"


def test_publish_with_a_stale_hash_is_a_conflict() -> None:
    desk = ViewDesk()
    home = {"type": "home", "blocks": []}
    current = desk.answer("views.publish", {"user_id": "U1", "view": home}, known)["view"]["hash"]

    stale = desk.answer("views.publish", {"user_id": "U1", "view": home, "hash": "old"}, known)
    fresh = desk.answer("views.publish", {"user_id": "U1", "view": home, "hash": current}, known)

    assert stale["error"] == "hash_conflict" and fresh["ok"]
