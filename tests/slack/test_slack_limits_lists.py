"""The stand-in's complaints about a block's lists: a context block's elements and a
section's fields, each missing, empty or too long, with Slack's wording."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.testing.slack_limits_check import MAX_CONTEXT_ELEMENTS, MAX_FIELDS, check_message

TEXT = {"type": "mrkdwn", "text": "hi"}


def context(elements: Any) -> dict[str, Any]:
    return {"type": "context", "elements": elements}


def fields(items: Any) -> dict[str, Any]:
    return {"type": "section", "fields": items}


@pytest.mark.parametrize(
    ("block", "error"),
    [
        (context(None), "must provide elements [json-pointer:/blocks/0/elements]"),
        (context([]), "must provide elements [json-pointer:/blocks/0/elements]"),
        (context([TEXT] * (MAX_CONTEXT_ELEMENTS + 1)),
         f"no more than {MAX_CONTEXT_ELEMENTS} items allowed [json-pointer:/blocks/0/elements]"),
        (fields("x"), "must provide an array [json-pointer:/blocks/0/fields]"),
        (fields([]), "must provide an array [json-pointer:/blocks/0/fields]"),
        (fields([TEXT] * (MAX_FIELDS + 1)),
         f"no more than {MAX_FIELDS} items allowed [json-pointer:/blocks/0/fields]"),
    ],
)
def test_a_bad_list_is_refused_with_slacks_words(block: dict[str, Any], error: str) -> None:
    answer = check_message({"blocks": [block]})
    assert answer is not None and answer["errors"] == [error]


def test_lists_within_the_limits_pass() -> None:
    blocks = [context([TEXT] * MAX_CONTEXT_ELEMENTS), fields([TEXT] * MAX_FIELDS)]
    assert check_message({"blocks": blocks}) is None
