"""Views in the Slack stand-in: trigger ids, ``views.open`` / ``views.update`` for modals and
``views.publish`` for the Home tab, as strict as Slack.

Slack hands an app a ``trigger_id`` with each slash command or button click; ``views.open``
takes it once, within 3 seconds, or refuses it: ``expired_trigger_id`` (too late or used
already) or ``invalid_trigger_id`` (never issued). A test issues one with `issue` (and makes
it old with `expire`, so nothing sleeps). A view is checked against Slack's documented
limits (`check_view`: the view, its blocks and their elements: buttons, menus, checkboxes,
time pickers), and a bad one is ``invalid_arguments`` with
``response_metadata.messages`` like ``[ERROR] must be less than 25 characters
[json-pointer:/view/title/text]``, as Slack answers. ``views.publish`` needs the
``user_id`` of a known user and a ``home`` view, which has no submit or close button; a
``hash`` other than the current one is ``hash_conflict``. `home` keeps each user's tab.

Example:
    >>> desk = ViewDesk()
    >>> trigger = desk.issue()
    >>> desk.answer("views.open", {"trigger_id": trigger, "view": {"type": "home"}})["error"]
    'invalid_arguments'
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from marvin.testing.slack_limits_check import units

__all__ = ["TRIGGER_SECONDS", "VIEW_METHODS", "ViewDesk", "check_view"]

VIEW_METHODS = frozenset({"views.open", "views.update", "views.publish"})
TRIGGER_SECONDS = 3.0
MAX_TITLE = 24  # title, submit and close texts
MAX_VIEW_BLOCKS = 100
MAX_BLOCK_ID = 255
MAX_LABEL = 2_000
MAX_INPUT_LENGTH = 3_000
MAX_METADATA = 3_000
MAX_CALLBACK_ID = 255
MAX_HINT = 2_000
MAX_SECTION = 3_000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
MAX_SELECT_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150

Answer = dict[str, Any]


class ViewDesk:
    """The trigger ids Slack issued and the views it has open."""

    def __init__(self) -> None:
        self._triggers: dict[str, float] = {}  # trigger id -> when issued (monotonic)
        self._used: set[str] = set()
        self.views: dict[str, Answer] = {}  # view id -> the view as open
        self.home: dict[str, Answer] = {}  # user id -> the Home tab last published
        self._ids = itertools.count(1)

    def issue(self) -> str:
        """A fresh trigger id, as Slack puts in a slash command or interaction payload."""
        trigger = f"{next(self._ids)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def expire(self, trigger: str) -> None:
        """Make `trigger` older than Slack accepts (instead of sleeping 3 s)."""
        self._triggers[trigger] = time.monotonic() - TRIGGER_SECONDS - 1

    def opened(self) -> list[Answer]:
        """The modals open, oldest first."""
        return list(self.views.values())

    def answer(
        self, method: str, params: Answer, known_user: Callable[[str], bool] = bool
    ) -> Answer:
        """Slack's answer to ``views.open``, ``views.update`` or ``views.publish``."""
        view = params.get("view")
        if isinstance(view, str):  # form-encoded clients send it as JSON text
            try:
                view = json.loads(view)
            except ValueError:
                return _invalid(["invalid JSON [json-pointer:/view]"])
        if method == "views.publish":
            return self._publish(params, view, known_user)
        if method == "views.open":
            refused = self._take(params.get("trigger_id"))
            if refused is not None:
                return refused
        else:
            view_id = params.get("view_id")
            if not view_id and not params.get("external_id"):
                return _invalid(["missing required field: view_id [json-pointer:/view_id]"])
            if view_id not in self.views:
                return {"ok": False, "error": "not_found"}
        problems = check_view(view)
        if problems:
            return _invalid(problems)
        assert isinstance(view, dict)
        view_id = str(params.get("view_id") or f"V{next(self._ids):08d}")
        opened = {**view, "id": view_id, "state": {"values": {}},
                  "hash": secrets.token_hex(8), "private_metadata":
                  view.get("private_metadata", ""), "callback_id": view.get("callback_id", "")}
        self.views[view_id] = opened
        return {"ok": True, "view": opened}

    def _publish(self, params: Answer, view: object, known_user: Callable[[str], bool]) -> Answer:
        user = params.get("user_id")
        if not isinstance(user, str) or not user:
            return _invalid(["missing required field: user_id [json-pointer:/user_id]"])
        if not known_user(user):
            return {"ok": False, "error": "user_not_found"}
        wanted, current = params.get("hash"), self.home.get(user)
        if wanted and (current is None or current.get("hash") != wanted):
            return {"ok": False, "error": "hash_conflict"}
        problems = check_view(view, kind="home")
        if problems:
            return _invalid(problems)
        assert isinstance(view, dict)
        published = {**view, "id": f"V{next(self._ids):08d}", "hash": secrets.token_hex(8),
                     "state": {"values": {}}}
        self.home[user] = published
        return {"ok": True, "view": published}

    def _take(self, trigger: object) -> Answer | None:
        if not isinstance(trigger, str) or not trigger:
            return _invalid(["missing required field: trigger_id [json-pointer:/trigger_id]"])
        issued = self._triggers.get(trigger)
        if issued is None:
            return {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self._used or time.monotonic() - issued > TRIGGER_SECONDS:
            return {"ok": False, "error": "expired_trigger_id"}
        self._used.add(trigger)
        return None


def check_view(view: object, kind: str = "modal") -> list[str]:
    """Every way `view` breaks Slack's documented limits for a view of `kind` (``modal`` for
    views.open/update, ``home`` for views.publish); empty: Slack accepts it."""
    if not isinstance(view, dict):
        return ["must provide an object [json-pointer:/view]"]
    problems: list[str] = []
    if view.get("type") != kind:
        problems.append(f"must be {kind} for this method [json-pointer:/view/type]")
    if kind == "home":
        problems += [f"not allowed in a home view [json-pointer:/view/{key}]"
                     for key in ("submit", "close") if key in view]
    for key, required in (("title", kind == "modal"), ("submit", False), ("close", False)):
        obj = view.get(key)
        if obj is None and not required:
            continue
        problems += _plain(obj, f"/view/{key}", MAX_TITLE)
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return [*problems, "must provide an array of objects [json-pointer:/view/blocks]"]
    if len(blocks) > MAX_VIEW_BLOCKS:
        problems.append(f"no more than {MAX_VIEW_BLOCKS} items allowed "
                        "[json-pointer:/view/blocks]")
    has_input = any(b.get("type") == "input" for b in blocks)
    if has_input and view.get("submit") is None:
        problems.append("submit is required when a view has input blocks "
                        "[json-pointer:/view/submit]")
    for key, most in (("private_metadata", MAX_METADATA), ("callback_id", MAX_CALLBACK_ID)):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or units(value) > most):
            problems.append(f"must be less than {most + 1} characters "
                            f"[json-pointer:/view/{key}]")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/view/blocks/{index}"
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 0 < units(block_id) <= MAX_BLOCK_ID:
                problems.append(f"must be less than {MAX_BLOCK_ID + 1} characters "
                                f"[json-pointer:{where}/block_id]")
            elif block_id in seen:
                problems.append(f"duplicate block_id [json-pointer:{where}/block_id]")
            else:
                seen.add(block_id)
        problems += _block(block, where)
    return problems


def _block(block: Answer, where: str) -> list[str]:
    kind = block.get("type")
    if kind == "input":
        problems = _plain(block.get("label"), f"{where}/label", MAX_LABEL)
        if block.get("hint") is not None:
            problems += _plain(block.get("hint"), f"{where}/hint", MAX_HINT)
        element = block.get("element")
        if not isinstance(element, dict) or element.get("type") not in _INPUT_ELEMENTS:
            return [*problems, f"must provide a supported element [json-pointer:{where}/element]"]
        if element.get("type") != "plain_text_input":
            return [*problems, *_element(element, f"{where}/element")]
        most = element.get("max_length", MAX_INPUT_LENGTH)
        if not isinstance(most, int) or not 0 < most <= MAX_INPUT_LENGTH:
            problems.append(f"must be less than {MAX_INPUT_LENGTH + 1} "
                            f"[json-pointer:{where}/element/max_length]")
        initial = element.get("initial_value")
        if initial is not None and (not isinstance(initial, str) or
                                    (isinstance(most, int) and units(initial) > most)):
            problems.append("must be no longer than max_length "
                            f"[json-pointer:{where}/element/initial_value]")
        action_id = element.get("action_id")
        if action_id is not None and (not isinstance(action_id, str) or units(action_id) > 255):
            problems.append(f"must be less than 256 characters "
                            f"[json-pointer:{where}/element/action_id]")
        return problems
    if kind in ("section", "context"):
        texts = [block.get("text")] if kind == "section" else list(block.get("elements") or [])
        problems = []
        if kind == "context" and not 0 < len(texts) <= MAX_CONTEXT_ELEMENTS:
            problems.append(f"must provide 1 to {MAX_CONTEXT_ELEMENTS} items "
                            f"[json-pointer:{where}/elements]")
        if kind == "section" and "accessory" in block:
            problems += _element(block["accessory"], f"{where}/accessory")
        for n, text in enumerate(texts):
            pointer = f"{where}/text" if kind == "section" else f"{where}/elements/{n}"
            if not isinstance(text, dict) or not isinstance(text.get("text"), str) \
                    or not text["text"]:
                problems.append(f"must provide a text object [json-pointer:{pointer}]")
            elif units(text["text"]) > MAX_SECTION:
                problems.append(f"must be less than {MAX_SECTION + 1} characters "
                                f"[json-pointer:{pointer}/text]")
        return problems
    if kind == "header":
        return _plain(block.get("text"), f"{where}/text", MAX_HEADER)
    if kind == "actions":
        return _actions(block, where)
    if kind == "divider":
        return []
    return [f"unsupported type: {kind} [json-pointer:{where}/type]"]


_INPUT_ELEMENTS = frozenset({"plain_text_input", "checkboxes", "timepicker", "static_select",
                             "radio_buttons"})


def _actions(block: Answer, where: str) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not 0 < len(elements) <= MAX_ACTION_ELEMENTS:
        return [f"must provide 1 to {MAX_ACTION_ELEMENTS} items [json-pointer:{where}/elements]"]
    problems, seen = [], set()
    for n, element in enumerate(elements):
        action_id = element.get("action_id") if isinstance(element, dict) else None
        if isinstance(action_id, str) and action_id in seen:  # unique within the block
            problems.append(f"duplicate action_id [json-pointer:{where}/elements/{n}/action_id]")
        seen.add(action_id)
        problems += _element(element, f"{where}/elements/{n}")
    return problems


def _element(element: object, where: str) -> list[str]:
    """A button, menu, checkbox group or time picker (in an actions, section or input block)."""
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        return [f"must provide an element object [json-pointer:{where}]"]
    problems = []
    action_id = element.get("action_id")
    if action_id is not None and (not isinstance(action_id, str)
                                  or units(action_id) > MAX_ACTION_ID):
        problems.append(f"must be less than {MAX_ACTION_ID + 1} characters "
                        f"[json-pointer:{where}/action_id]")
    kind = element["type"]
    if kind == "button":
        problems += _plain(element.get("text"), f"{where}/text", MAX_BUTTON_TEXT)
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or units(value) > MAX_BUTTON_VALUE):
            problems.append(f"must be less than {MAX_BUTTON_VALUE + 1} characters "
                            f"[json-pointer:{where}/value]")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"must be one of primary, danger [json-pointer:{where}/style]")
    elif kind in ("static_select", "checkboxes", "radio_buttons"):
        most = MAX_SELECT_OPTIONS if kind == "static_select" else MAX_CHECKBOXES
        options = element.get("options")
        if not isinstance(options, list) or not 0 < len(options) <= most:
            return [*problems, f"must provide 1 to {most} items [json-pointer:{where}/options]"]
        for n, option in enumerate(options):
            text = option.get("text") if isinstance(option, dict) else None
            value = option.get("value") if isinstance(option, dict) else None
            if not (isinstance(text, dict) and isinstance(text.get("text"), str)
                    and 0 < units(text["text"]) <= MAX_OPTION_TEXT and isinstance(value, str)
                    and units(value) <= MAX_OPTION_VALUE):
                problems.append(f"must provide an option with text and value "
                                f"[json-pointer:{where}/options/{n}]")
    elif kind == "timepicker":
        initial = element.get("initial_time")
        if initial is not None and not _is_hhmm(initial):
            problems.append(f"must be HH:mm [json-pointer:{where}/initial_time]")
    return problems


def _is_hhmm(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return False
    hours, minutes = value[:2], value[3:]
    return hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60


def _plain(obj: object, pointer: str, most: int) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        return [f"must be a plain_text object [json-pointer:{pointer}]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must provide a string [json-pointer:{pointer}/text]"]
    if units(text) > most:
        return [f"must be less than {most + 1} characters [json-pointer:{pointer}/text]"]
    return []


def _invalid(problems: list[str]) -> Answer:
    return {"ok": False, "error": "invalid_arguments",
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]}}
