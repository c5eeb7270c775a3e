"""Slack's size and shape limits on a message, as the stand-in enforces them.

Written apart from Marvin's own budgets (`marvin.domain`) on purpose, with Slack's own
numbers rather than Marvin's margins, so a test cannot pass because the code under test
and the stand-in share a mistake. What real Slack answers:

- ``invalid_blocks`` for a block or array over a documented limit (50 blocks, 3,000
  characters of section or context text, 2,000 per section field, 150 per header, 12,000
  per markdown block, 10 fields or context elements, a text object without text), with
  each problem in ``errors`` and ``response_metadata.messages`` as
  ``[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]``;
- ``invalid_blocks_format`` when ``blocks`` is not an array of objects;
- ``msg_blocks_too_long`` when the blocks hold more than about 12,000 characters in all:
  undocumented, confirmed by Slack staff in slackapi/bolt-js #2509 ("12,000 text
  characters with a buffer for block containers") and refused at 11,341 counted text
  characters in #2867. Modelled as every ``text`` string plus `CONTAINER_COST` per block
  or element object, over `CUMULATIVE_LIMIT`;
- ``msg_too_long`` for a top-level ``text`` over 40,000 characters.

Characters are counted as UTF-16 code units (an emoji outside the BMP counts 2), the
stricter of the ways Slack may count, so a payload passing here passes there.

Example:
    >>> check_message({"channel": "C1", "text": "hi"}) is None
    True
    >>> check_message({"channel": "C1", "blocks": [{"type": "divider"}] * 51})["error"]
    'invalid_blocks'
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["CHECKED_METHODS", "check_message"]

#: The methods whose payload is a message Slack checks like this.
CHECKED_METHODS = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update"})

MAX_BLOCKS = 50
MAX_TEXT_OBJECT = 3_000
MAX_FIELD = 2_000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_MARKDOWN = 12_000
MAX_CONTEXT_ELEMENTS = 10
MAX_BLOCK_ID = 255
MAX_TOP_LEVEL_TEXT = 40_000
MAX_ACTION_ELEMENTS = 25
MAX_ACTION_ID = 255
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2_000
CUMULATIVE_LIMIT = 12_000
#: What one block or element object adds to the cumulative count ("a buffer for block
#: containers"): #2867's 11,341 characters were refused, so containers cost something.
CONTAINER_COST = 30
_TEXT_TYPES = ("plain_text", "mrkdwn")
_KNOWN_BLOCKS = frozenset(
    {"section", "header", "context", "divider", "markdown", "rich_text", "actions", "image",
     "input", "file", "video", "context_actions"}
)


def units(text: str) -> int:
    """UTF-16 code units, as a JavaScript or Java backend counts a string."""
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def check_message(params: dict[str, Any]) -> dict[str, Any] | None:
    """Slack's ``ok: false`` answer for a message payload over a limit, else None."""
    text = params.get("text")
    if isinstance(text, str) and units(text) > MAX_TOP_LEVEL_TEXT:
        return {"ok": False, "error": "msg_too_long"}
    blocks = params.get("blocks")
    if blocks is None or blocks == "":
        return None
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return {"ok": False, "error": "invalid_blocks_format"}
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        return {"ok": False, "error": "invalid_blocks_format"}
    problems = _block_problems(blocks)
    if problems:
        return {
            "ok": False,
            "error": "invalid_blocks",
            "errors": problems,
            "response_metadata": {"messages": [f"[ERROR] {p}" for p in problems]},
        }
    if cumulative_size(blocks) > CUMULATIVE_LIMIT:
        return {"ok": False, "error": "msg_blocks_too_long"}
    return None


def cumulative_size(node: Any) -> int:
    """Every ``text`` string's length plus `CONTAINER_COST` per object that is not a text."""
    if isinstance(node, list):
        return sum(cumulative_size(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = node.get("text")
    size = units(own) if isinstance(own, str) else CONTAINER_COST
    return size + sum(
        cumulative_size(value) for key, value in node.items() if not (key == "text" and
                                                                        isinstance(value, str))
    )


def _block_problems(blocks: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]")
    action_ids: set[str] = set()
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"/blocks/{index}"
        kind = block.get("type")
        problems += _unique_id(block, "block_id", MAX_BLOCK_ID, where, seen)
        if kind not in _KNOWN_BLOCKS:
            problems.append(f"unsupported type: {kind} [json-pointer:{where}/type]")
        elif kind == "section":
            problems += _section_problems(block, where)
        elif kind == "header":
            problems += _text_object(block.get("text"), f"{where}/text", MAX_HEADER,
                                     plain_only=True)
        elif kind == "context":
            elements: Any = block.get("elements")
            problem = _list_problem(elements, f"{where}/elements", MAX_CONTEXT_ELEMENTS,
                                    "must provide elements")
            if problem:
                problems.append(problem)
            else:
                for n, element in enumerate(elements):
                    if isinstance(element, dict) and element.get("type") in _TEXT_TYPES:
                        problems += _text_object(element, f"{where}/elements/{n}",
                                                 MAX_TEXT_OBJECT)
        elif kind == "actions":
            problems += _actions_problems(block, where, action_ids)
        elif kind == "markdown":
            text = block.get("text")
            if not isinstance(text, str) or not text:
                problems.append(f"must provide a string [json-pointer:{where}/text]")
            elif units(text) > MAX_MARKDOWN:
                problems.append(_too_long(MAX_MARKDOWN, f"{where}/text"))
    return problems


def _unique_id(obj: dict[str, Any], key: str, most: int, where: str, seen: set[str]) -> list[str]:
    """A block_id or action_id: 1 to `most` characters, unique in the message (if set)."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, str) or not 0 < units(value) <= most:
        return [_too_long(most, f"{where}/{key}")]
    if value in seen:
        return [f"duplicate {key} [json-pointer:{where}/{key}]"]
    seen.add(value)
    return []


def _actions_problems(block: dict[str, Any], where: str, action_ids: set[str]) -> list[str]:
    """Buttons: 1-25 per block, action_id unique in the message, text and value limits."""
    elements: Any = block.get("elements")
    problem = _list_problem(elements, f"{where}/elements", MAX_ACTION_ELEMENTS,
                            "must provide elements")
    if problem:
        return [problem]
    problems: list[str] = []
    for n, element in enumerate(elements):
        at = f"{where}/elements/{n}"
        if not isinstance(element, dict) or element.get("type") != "button":
            continue
        problems += _unique_id(element, "action_id", MAX_ACTION_ID, at, action_ids)
        problems += _text_object(element.get("text"), f"{at}/text", MAX_BUTTON_TEXT,
                                 plain_only=True)
        value = element.get("value")
        if value is not None and (not isinstance(value, str) or units(value) > MAX_BUTTON_VALUE):
            problems.append(_too_long(MAX_BUTTON_VALUE, f"{at}/value"))
    return problems


def _section_problems(block: dict[str, Any], where: str) -> list[str]:
    text, fields = block.get("text"), block.get("fields")
    if text is None and fields is None:
        return [f"must provide either text or fields [json-pointer:{where}]"]
    problems: list[str] = []
    if text is not None:
        problems += _text_object(text, f"{where}/text", MAX_TEXT_OBJECT)
    if fields is not None:
        problem = _list_problem(fields, f"{where}/fields", MAX_FIELDS, "must provide an array")
        if problem:
            problems.append(problem)
        else:
            for n, item in enumerate(fields):
                problems += _text_object(item, f"{where}/fields/{n}", MAX_FIELD)
    return problems


def _list_problem(value: Any, where: str, most: int, missing: str) -> str:
    """Slack's complaint about a block's list (`missing` when absent or empty), or ""."""
    if not isinstance(value, list) or not value:
        return f"{missing} [json-pointer:{where}]"
    if len(value) > most:
        return f"no more than {most} items allowed [json-pointer:{where}]"
    return ""


def _text_object(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict):
        return [f"must provide an object [json-pointer:{where}]"]
    kinds = ("plain_text",) if plain_only else _TEXT_TYPES
    if obj.get("type") not in kinds:
        return [f"must be one of {', '.join(kinds)} [json-pointer:{where}/type]"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"must be more than 0 characters [json-pointer:{where}/text]"]
    if units(text) > limit:
        return [_too_long(limit, f"{where}/text")]
    return []


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"
