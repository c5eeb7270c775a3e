"""Slack's limits on what one message, answer or view may hold, in one place.

Every number here is Slack's (or, for the budgets, Marvin's safe margin under Slack's),
with where it comes from, so the code that builds messages (`marvin.domain.slack_fit`,
`marvin.domain.digest`, the flows, `/standup`) never carries a bare number of its own.

Lengths are counted in UTF-16 code units (`slack_len`): Slack does not say how it counts,
and UTF-16 is the stricter of the likely answers (an emoji outside the BMP counts 2), so
a payload within these limits is within Slack's whichever way it counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Block Kit reference (docs.slack.dev/reference/block-kit/blocks): "a maximum of 50 blocks
# in each message".
MAX_BLOCKS_PER_MESSAGE = 50
#: Views (modals, App Home): "up to 100 blocks" (Block Kit reference, views).
MAX_BLOCKS_PER_VIEW = 100
#: Section block: ``text`` "maximum length ... is 3000 characters"; each context element's
#: text object has the same limit (text object reference).
MAX_SECTION_TEXT = 3_000
#: Section block: ``fields`` "Maximum length for the text in each item is 2000 characters";
#: at most 10 items.
MAX_FIELD_TEXT = 2_000
MAX_FIELDS = 10
#: Header block: plain text "maximum length ... is 150 characters".
MAX_HEADER_TEXT = 150
#: Markdown block: "cumulative limit of 12,000 characters" across its text.
MAX_MARKDOWN_TEXT = 12_000
#: Context block: at most 10 elements.
MAX_CONTEXT_ELEMENTS = 10
#: chat.postMessage ``text``: Slack truncates past 40,000 characters and answers
#: ``msg_too_long`` for more (chat.postMessage reference).
MAX_MESSAGE_TEXT = 40_000
#: chat.postMessage reference: "limit the number of characters in the text field to 4,000"
#: for best results; alerts and plain-text fallbacks keep to it.
ADVISED_MESSAGE_TEXT = 4_000
#: Slash command answers (ack / response_url): the answer is shown as one section, so
#: Marvin keeps it to a section's 3,000 characters.
MAX_EPHEMERAL_ANSWER = MAX_SECTION_TEXT

#: Undocumented: Slack refuses a message whose blocks hold more than about 12,000 text
#: characters in all with ``msg_blocks_too_long``. Slack staff in slackapi/bolt-js #2509:
#: "12,000 text characters with a buffer for block containers"; #2867 was refused at 11,341
#: characters counted over every ``text`` string of the block tree, so containers count too.
SLACK_CUMULATIVE_BLOCK_TEXT = 12_000
#: Marvin's own budget for that total, counted over every ``text`` string in the block tree
#: (`block_text_length`): 2,000 under Slack's figure leaves room for up to 50 block
#: containers and for any re-escaping Slack does when it counts.
BLOCK_TEXT_BUDGET = 10_000

#: Slack's error codes for a payload too big (or malformed) to post: sending the same
#: payload again cannot help, sending it in smaller pieces can.
TOO_BIG_ERRORS = frozenset({"msg_blocks_too_long", "invalid_blocks", "msg_too_long"})


def slack_len(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (astral characters count 2)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le", errors="surrogatepass")) // 2


def text_strings(node: Any) -> Iterator[str]:
    """Every ``text`` string anywhere in a block tree (blocks, text objects, elements)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from text_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_strings(item)


def block_text_length(blocks: list[dict[str, Any]]) -> int:
    """The cumulative text of a message's blocks, as `BLOCK_TEXT_BUDGET` counts it."""
    return sum(slack_len(text) for text in text_strings(blocks))
