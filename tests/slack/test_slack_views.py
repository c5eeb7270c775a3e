"""The stand-in's Home tab (``views.publish``) and the Block Kit elements it checks in any
view: refused exactly where Slack refuses, so a view that would never show in Slack fails a
test here. (Trigger ids and modals: `test_slack_views_standin.py`.)"""

from __future__ import annotations

from typing import Any

import pytest

from marvin.testing.slack_views import ViewDesk, check_view


def modal(**fields: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Standup"},
            "blocks": [], **fields}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def known(user: str) -> bool:
    return user.startswith("U")


def button(text: str = "Go", action_id: str = "a", **fields: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **fields}


@pytest.mark.parametrize(("blocks", "pointer"), [
    ([{"type": "actions", "elements": [button(action_id="same"), button(action_id="same")]}],
     "/view/blocks/0/elements/1/action_id"),
    ([{"type": "actions", "elements": []}], "/view/blocks/0/elements"),
    ([{"type": "actions", "elements": [button()] * 26}], "/view/blocks/0/elements"),
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "s"},
       "accessory": button("b" * 76)}], "/view/blocks/0/accessory/text/text"),
    ([{"type": "actions", "elements": [button(value="v" * 2001)]}],
     "/view/blocks/0/elements/0/value"),
    ([{"type": "actions", "elements": [button(style="green")]}],
     "/view/blocks/0/elements/0/style"),
    ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/view/blocks/0/text"),
    ([{"type": "header", "text": plain("h" * 151)}], "/view/blocks/0/text/text"),
    ([{"type": "context", "elements": []}], "/view/blocks/0/elements"),
    ([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s",
                                        "options": []}]}], "/view/blocks/0/elements/0/options"),
    ([{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": [
        {"text": plain("x" * 76), "value": "x"}]}]}], "/view/blocks/0/elements/0/options/0"),
    ([{"type": "input", "label": plain("Days"), "element": {
        "type": "checkboxes", "action_id": "d",
        "options": [{"text": plain(str(n)), "value": str(n)} for n in range(11)]}}],
     "/view/blocks/0/element/options"),
    ([{"type": "input", "label": plain("At"), "element": {
        "type": "timepicker", "action_id": "t", "initial_time": "9:00"}}],
     "/view/blocks/0/element/initial_time"),
    ([{"type": "input", "label": plain("At"), "element": {"type": "datepicker"}}],
     "/view/blocks/0/element"),
])
def test_an_element_over_a_block_kit_limit_is_refused_naming_where(
    blocks: list[dict[str, Any]], pointer: str
) -> None:
    problems = check_view(modal(submit=plain("Save"), blocks=blocks))
    assert any(p.endswith(f"[json-pointer:{pointer}]") for p in problems), problems


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
    refused = desk.answer("views.publish", {"user_id": "U1", "view": with_submit}, known)
    assert refused["error"] == "invalid_arguments"
    assert "[json-pointer:/view/submit]" in refused["response_metadata"]["messages"][0]
    too_many = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert desk.answer("views.publish", {"user_id": "U1", "view": too_many},
                       known)["error"] == "invalid_arguments"


def test_a_home_view_may_not_be_opened_as_a_modal() -> None:
    desk = ViewDesk()
    answer = desk.answer("views.open", {"trigger_id": desk.issue(),
                                        "view": {"type": "home", "blocks": []}})
    assert answer["error"] == "invalid_arguments"


def test_publish_with_a_stale_hash_is_a_conflict() -> None:
    desk = ViewDesk()
    home = {"type": "home", "blocks": []}
    current = desk.answer("views.publish", {"user_id": "U1", "view": home}, known)["view"]["hash"]

    stale = desk.answer("views.publish", {"user_id": "U1", "view": home, "hash": "old"}, known)
    fresh = desk.answer("views.publish", {"user_id": "U1", "view": home, "hash": current}, known)

    assert stale["error"] == "hash_conflict" and fresh["ok"]
