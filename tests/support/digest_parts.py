"""Reading a digest back out of the messages Slack (the stand-in) accepted."""

from __future__ import annotations

import re
from typing import Any

#: "*<@U1>*\n" or "*<@U1>* (continued)\n" at the start of an update's section.
LABEL = re.compile(r"\*(?P<who>[^\n]+)\*(?P<continued> \(continued\))?\n")
UPDATE_BLOCK = re.compile(r"update-(\d+)-(\d+)")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def updates_in(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each author's update text (unescaped), once per time it appears, from the update
    sections of `messages` in order; a "(continued)" section joins its author's last one."""
    found: dict[str, list[str]] = {}
    last: str | None = None
    for message in messages:
        for block in message.get("blocks") or []:
            if not UPDATE_BLOCK.fullmatch(str(block.get("block_id", ""))):
                continue
            text = str(block["text"]["text"])
            label = LABEL.match(text)
            assert label is not None, text[:80]
            who, body = label["who"], unescape(text[label.end() :])
            if label["continued"]:
                assert who == last, (who, last)
                found[who][-1] += body
            else:
                found.setdefault(who, []).append(body)
            last = who
    return found
