"""A digest that names people instead of pinging them, for by-hand runs elsewhere.

A by-hand `marvin run standup` posts to `#testing` by default: @-mentioning the whole
team there notifies everyone about a test. Each ``<@U123>`` Marvin wrote becomes the
member's (escaped) name, or the bare id when the name would not fit Slack's limit on a
text object. User text is escaped by `marvin.domain.digest`, so every ``<@...>`` in a
digest is one Marvin built from a checked user id: replacing them touches nothing else.

Example::

    messages = without_mentions(digest_messages(team, date, updates, members), members)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from marvin.domain.digest import MAX_SECTION_TEXT, DigestMessage, escape_mrkdwn
from marvin.domain.models import Member

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
MAX_NAME = 40  # a name longer than this is clipped: the digest stays readable


def without_mentions(
    messages: Sequence[DigestMessage], members: Sequence[Member]
) -> list[DigestMessage]:
    """The same messages with every user mention shown as a plain name."""
    names = {m.user_id: _plain_name(m) for m in members}
    return [
        replace(message, blocks=[_block(block, names) for block in message.blocks])
        for message in messages
    ]


def _plain_name(member: Member) -> str:
    name = " ".join(member.name.split())
    if len(name) > MAX_NAME:
        name = name[: MAX_NAME - 1] + "…"
    return escape_mrkdwn(name) if name else member.user_id


def _block(block: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    if block.get("type") == "section" and isinstance(block.get("text"), dict):
        return {**block, "text": _text(block["text"], names)}
    if block.get("type") == "context":
        return {**block, "elements": [_text(e, names) for e in block.get("elements", [])]}
    return block


def _text(obj: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    if obj.get("type") != "mrkdwn":
        return obj
    text = str(obj.get("text", ""))
    named = _MENTION.sub(lambda m: names.get(m[1], m[1]), text)
    if len(named) > MAX_SECTION_TEXT:  # names are longer than mentions: fall back to ids
        named = _MENTION.sub(lambda m: m[1], text)
    return {**obj, "text": named}
