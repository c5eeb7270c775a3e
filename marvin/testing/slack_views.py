"""Slack's ``views.*`` methods in the stand-in: modals, the Home tab, and their rules.

Slack is strict about views, and a view it refuses is a modal that never opens or a Home
tab that stays blank, so the stand-in refuses what Slack refuses:

- ``views.open`` needs a trigger_id Slack issued (`ViewDesk.new_trigger`), used once
  (``exchanged_trigger_id``) and within 3 s (``expired_trigger_id``); an unknown one is
  ``invalid_trigger_id``.
- ``views.publish`` needs a ``user_id`` of a known user and a ``home`` view; a ``hash``
  that is not the current one is ``hash_conflict``.
- Every view is checked against Block Kit's limits (titles, blocks, ids, labels,
  inputs, buttons, menus) and refused with ``invalid_arguments`` and the
  ``response_metadata.messages`` Slack gives, naming the JSON pointer.

Example:
    >>> desk = ViewDesk()
    >>> trigger = desk.new_trigger()
    >>> desk.answer("views.open", {"trigger_id": trigger, "view": {"type": "modal",
    ...     "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}})["ok"]
    True
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["TRIGGER_LIFETIME", "VIEW_METHODS", "ViewDesk", "view_problems"]

VIEW_METHODS = frozenset({"views.open", "views.publish", "views.update", "views.push"})
TRIGGER_LIFETIME = 3.0  # seconds: Slack's trigger_ids expire after 3 s

MAX_VIEW_BLOCKS = 100
MAX_TITLE = 24  # title, submit and close of a modal
MAX_METADATA = 3_000
MAX_ID = 255  # callback_id, external_id, block_id, action_id
MAX_LABEL = 2_000
MAX_INPUT_LENGTH = 3_000  # plain_text_input max_length
MAX_SECTION = 3_000
MAX_HEADER = 150
MAX_CONTEXT = 10
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150

Answer = dict[str, Any]


class ViewDesk:
    """Issued trigger ids and the views opened or published; not thread-safe on its own
    (the stand-in calls it under its lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._triggers: dict[str, float] = {}  # trigger_id -> issued at
        self._used: set[str] = set()
        self._ids = itertools.count(1)
        self.opened: list[Answer] = []  # views.open's views, in order
        self.home: dict[str, Answer] = {}  # user id -> the Home view last published

    def new_trigger(self) -> str:
        """A trigger_id as Slack puts in a slash command or an interaction payload."""
        trigger = f"{secrets.randbelow(10**10)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
        self._triggers[trigger] = self._clock()
        return trigger

    def answer(self, method: str, params: Answer, known_user: Callable[[str], bool]) -> Answer:
        """Slack's answer to one ``views.*`` call."""
        view = params.get("view")
        if isinstance(view, str):  # form-encoded calls send the view as JSON text
            try:
                view = json.loads(view)
            except ValueError:
                return _invalid("failed to parse view JSON", "/view")
        if not isinstance(view, dict):
            return _invalid("view is required", "/view")
        if method == "views.publish":
            return self._publish(params, view, known_user)
        if method == "views.update":
            return _error("not_found")  # no view the stand-in opened can be found by id yet
        return self._open(params, view)

    def _open(self, params: Answer, view: Answer) -> Answer:
        refused = self._exchange(str(params.get("trigger_id") or ""))
        if refused is not None:
            return _error(refused)
        if view.get("type") != "modal":
            return _invalid("must be modal", "/view/type")
        problems = list(view_problems(view))
        if problems:
            return _invalid(*problems[0])
        self.opened.append(view)
        return {"ok": True, "view": self._stored(view)}

    def _exchange(self, trigger: str) -> str | None:
        if not trigger:
            return "invalid_arguments"
        issued = self._triggers.get(trigger)
        if issued is None:
            return "invalid_trigger_id"
        if trigger in self._used:
            return "exchanged_trigger_id"
        self._used.add(trigger)
        if self._clock() - issued > TRIGGER_LIFETIME:
            return "expired_trigger_id"
        return None

    def _publish(self, params: Answer, view: Answer, known_user: Callable[[str], bool]) -> Answer:
        user = params.get("user_id")
        if not isinstance(user, str) or not user:
            return _invalid("user_id is required", "/user_id")
        if not known_user(user):
            return _error("user_not_found")
        if view.get("type") != "home":
            return _invalid("must be home", "/view/type")
        current = self.home.get(user)
        wanted = params.get("hash")
        if wanted and (current is None or current.get("hash") != wanted):
            return _error("hash_conflict")
        problems = list(view_problems(view))
        if problems:
            return _invalid(*problems[0])
        stored = self._stored(view)
        self.home[user] = stored
        return {"ok": True, "view": stored}

    def _stored(self, view: Answer) -> Answer:
        return {**view, "id": f"V{next(self._ids):08d}", "hash": secrets.token_hex(8),
                "state": {"values": {}}}


def view_problems(view: Answer) -> Iterator[tuple[str, str]]:
    """What Slack would refuse in `view`: (message, JSON pointer) pairs, first found first."""
    kind = view.get("type")
    if kind == "modal":
        if not _plain_within(view.get("title"), MAX_TITLE):
            yield f"must be plain_text of at most {MAX_TITLE} characters", "/view/title"
        for key in ("submit", "close"):
            if key in view and not _plain_within(view[key], MAX_TITLE):
                yield f"must be plain_text of at most {MAX_TITLE} characters", f"/view/{key}"
    elif kind == "home":
        for key in ("submit", "close"):
            if key in view:
                yield "not allowed in a home view", f"/view/{key}"
    for key, limit in (("private_metadata", MAX_METADATA), ("callback_id", MAX_ID),
                       ("external_id", MAX_ID)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            yield f"must be a string of at most {limit} characters", f"/view/{key}"
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        yield "must be an array", "/view/blocks"
        return
    if len(blocks) > MAX_VIEW_BLOCKS:
        yield f"must contain at most {MAX_VIEW_BLOCKS} items", "/view/blocks"
    if kind == "modal" and "submit" not in view and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks):
        yield "a modal with input blocks needs a submit button", "/view/submit"
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        yield from _block_problems(block, f"/view/blocks/{index}", block_ids)


def _block_problems(block: Any, at: str, block_ids: set[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        yield "must be a block object with a type", at
        return
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not 0 < len(block_id) <= MAX_ID:
            yield f"must be a string of at most {MAX_ID} characters", f"{at}/block_id"
        elif block_id in block_ids:
            yield "block_id must be unique", f"{at}/block_id"
        else:
            block_ids.add(block_id)
    kind = block["type"]
    if kind == "header":
        if not _plain_within(block.get("text"), MAX_HEADER):
            yield f"must be plain_text of at most {MAX_HEADER} characters", f"{at}/text"
    elif kind == "section":
        text = block.get("text")
        if text is not None and not _text_within(text, MAX_SECTION):
            yield f"must be a text object of at most {MAX_SECTION} characters", f"{at}/text"
        if "accessory" in block:
            yield from _element_problems(block["accessory"], f"{at}/accessory")
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 0 < len(elements) <= MAX_CONTEXT:
            yield f"must contain 1 to {MAX_CONTEXT} items", f"{at}/elements"
        else:
            for index, element in enumerate(elements):
                if not _text_within(element, MAX_SECTION):
                    yield "must be a text object", f"{at}/elements/{index}"
    elif kind == "actions":
        yield from _actions_problems(block, at)
    elif kind == "input":
        if not _plain_within(block.get("label"), MAX_LABEL):
            yield f"must be plain_text of at most {MAX_LABEL} characters", f"{at}/label"
        yield from _element_problems(block.get("element"), f"{at}/element")
    elif kind not in ("divider", "image", "rich_text", "file", "video"):
        yield f"unsupported block type {kind!r}", f"{at}/type"


def _actions_problems(block: Answer, at: str) -> Iterator[tuple[str, str]]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 0 < len(elements) <= MAX_ACTIONS:
        yield f"must contain 1 to {MAX_ACTIONS} items", f"{at}/elements"
        return
    action_ids: set[str] = set()
    for index, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str):
            if action_id in action_ids:
                yield "action_id must be unique in the block", f"{at}/elements/{index}/action_id"
            action_ids.add(action_id)
        yield from _element_problems(element, f"{at}/elements/{index}")


def _element_problems(element: Any, at: str) -> Iterator[tuple[str, str]]:
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        yield "must be an element object with a type", at
        return
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str) or len(action_id) > MAX_ID):
        yield f"must be a string of at most {MAX_ID} characters", f"{at}/action_id"
    kind = element["type"]
    if kind == "button":
        if not _plain_within(element.get("text"), MAX_BUTTON_TEXT):
            yield f"must be plain_text of at most {MAX_BUTTON_TEXT} characters", f"{at}/text"
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE):
            yield f"must be a string of at most {MAX_BUTTON_VALUE} characters", f"{at}/value"
        if element.get("style") not in (None, "primary", "danger"):
            yield "must be primary or danger", f"{at}/style"
    elif kind == "plain_text_input":
        most = element.get("max_length", MAX_INPUT_LENGTH)
        if not isinstance(most, int) or not 0 < most <= MAX_INPUT_LENGTH:
            yield f"must be at most {MAX_INPUT_LENGTH}", f"{at}/max_length"
        initial = element.get("initial_value")
        if initial is not None and (not isinstance(initial, str)
                                    or (isinstance(most, int) and len(initial) > most)):
            yield "must be a string no longer than max_length", f"{at}/initial_value"
    elif kind in ("static_select", "checkboxes", "radio_buttons"):
        limit = MAX_CHECKBOXES if kind != "static_select" else MAX_OPTIONS
        options = element.get("options")
        if not isinstance(options, list) or not 0 < len(options) <= limit:
            yield f"must contain 1 to {limit} items", f"{at}/options"
            return
        for index, option in enumerate(options):
            if not (isinstance(option, dict) and _text_within(option.get("text"), MAX_OPTION_TEXT)
                    and isinstance(option.get("value"), str)
                    and len(option["value"]) <= MAX_OPTION_VALUE):
                yield "must be an option with text and value", f"{at}/options/{index}"
    elif kind == "timepicker":
        initial = element.get("initial_time")
        if initial is not None and not _is_hhmm(initial):
            yield "must be HH:mm", f"{at}/initial_time"


def _plain_within(obj: Any, limit: int) -> bool:
    return (isinstance(obj, dict) and obj.get("type") == "plain_text"
            and isinstance(obj.get("text"), str) and 0 < len(obj["text"]) <= limit)


def _text_within(obj: Any, limit: int) -> bool:
    return (isinstance(obj, dict) and obj.get("type") in ("plain_text", "mrkdwn")
            and isinstance(obj.get("text"), str) and 0 < len(obj["text"]) <= limit)


def _is_hhmm(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hours, minutes = value[:2], value[3:]
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


def _invalid(message: str, pointer: str) -> Answer:
    return {"ok": False, "error": "invalid_arguments",
            "response_metadata": {"messages": [f"[ERROR] {message} [json-pointer:{pointer}]"]}}


def _error(code: str) -> Answer:
    return {"ok": False, "error": code}
