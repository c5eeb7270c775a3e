"""Block Kit as a reader in Slack sees it, in plain text: what `--dry-run` prints.

Slack shows ``<@U123>`` as a mention, ``&lt;`` as ``<`` and a header as a big line; a
preview that prints the raw payload (or just "[+2 blocks]") tells the person trying
Marvin nothing. Pure: no Slack, no I/O.

Example:
    >>> render_blocks([{"type": "header", "text": {"type": "plain_text", "text": "Hi"}},
    ...                {"type": "section", "text": {"type": "mrkdwn",
    ...                 "text": "*<@U1>*\\nfixed &lt;br&gt; &amp; more"}}])
    ['Hi', '', '*@U1*', 'fixed <br> & more']

Only the escapes and ``<...>`` sequences Slack itself turns into something else are
rewritten, in the order Slack reads them: first the ``<...>`` that Marvin wrote (user
text cannot contain any, it is escaped), then the entities. So a typed ``<!channel>``,
sent as ``&lt;!channel&gt;``, shows as the literal text it is in Slack, never as a ping.
*Bold*, _italic_ and `code` marks are kept: they are how the reader sees emphasis here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["mrkdwn_to_text", "render_blocks"]

_ANGLE = re.compile(r"<([^<>]*)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # never write terminal escapes


def mrkdwn_to_text(text: str) -> str:
    """Slack mrkdwn as shown: mentions as ``@name``, links as ``label (url)``, entities
    decoded."""
    shown = _ANGLE.sub(lambda match: _angle(match[1]), text)
    shown = shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _CONTROL.sub("", shown)


def _angle(inner: str) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):  # a user mention; Slack shows the display name
        return "@" + (label or target[1:])
    if target.startswith("#"):  # a channel link
        return "#" + (label or target[1:])
    if target.startswith("!subteam^"):
        return label or "@group"
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!"):  # <!channel>, <!here>, <!everyone>
        return "@" + target[1:]
    return f"{label} ({target})" if label else target


def render_blocks(blocks: Iterable[dict[str, Any]]) -> list[str]:
    """The lines a reader sees, a blank line between blocks as Slack spaces them."""
    lines: list[str] = []
    for block in blocks:
        shown = _block_lines(block)
        if shown:
            if lines:
                lines.append("")
            lines.extend(shown)
    return lines


def _block_lines(block: dict[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return _text(block.get("text")).splitlines()
    if kind == "section":
        parts = [_text(block.get("text"))]
        parts += [_text(field) for field in block.get("fields") or []]
        return "\n".join(part for part in parts if part).splitlines()
    if kind == "context":
        elements = [_text(element) for element in block.get("elements") or []]
        return " ".join(e for e in elements if e).splitlines()
    if kind == "divider":
        return ["―" * 20]
    if kind == "actions":  # buttons, as a reader sees them
        labels = [_text(element.get("text")) for element in block.get("elements") or []
                  if isinstance(element, dict)]
        return [" ".join(f"[{label}]" for label in labels if label)]
    return [f"[{kind} block]"]


def _text(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn_to_text(text)
    return _CONTROL.sub("", text)  # plain_text is shown as written
