"""Fitting escaped text and blocks into Slack's limits, for every message Marvin sends.

Pure. The digest, reminders, alerts and `/standup` answers all go through here, so none
of them can cut a person's text in the middle of an ``&amp;`` entity, an emoji or a flag,
and none can build a message Slack would refuse for its size.

Example::

    packer = PartPacker(reserve_blocks=1, reserve_text=slack_len(header_text))
    packer.add_text(body, first_label="*<@U1>*\\n", more_label="*<@U1>* (continued)\\n",
                    make_block=section)
    for blocks in packer.parts():
        ...  # each within MAX_BLOCKS_PER_MESSAGE and BLOCK_TEXT_BUDGET with the header
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from marvin.domain.slack_limits import (
    BLOCK_TEXT_BUDGET,
    MAX_BLOCKS_PER_MESSAGE,
    MAX_SECTION_TEXT,
    block_text_length,
    slack_len,
)

__all__ = ["PartPacker", "clip", "fit_index", "fit_with_note", "split_text"]

Block = dict[str, Any]

# Code points that attach to the one before; a hard cut just before them splits what people see
# as one character (accents, emoji skin tones and variation selectors, ZWJ sequences).
_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"} | {chr(c) for c in range(0x1F3FB, 0x1F400)})
#: A piece smaller than this is not worth starting at the end of a nearly full message.
MIN_PIECE = 200


def fit_index(text: str, limit: int) -> int:
    """The (near) largest ``i`` with ``slack_len(text[:i]) <= limit``."""
    index = min(len(text), max(limit, 0))
    excess = slack_len(text[:index]) - limit
    while excess > 0:  # each character dropped counts 1 or 2 units
        index -= (excess + 1) // 2
        excess = slack_len(text[:index]) - limit
    return index


def split_text(text: str, limit: int) -> list[str]:
    """Cut escaped text into pieces of at most ``limit`` (`slack_len`) that concatenate
    back to ``text``.

    Prefers the last line break, then the last space, in the second half of the room; a
    hard cut never lands inside an entity (``&amp;``), before a joining code point or
    between the two halves of a flag.
    """
    pieces = []
    while slack_len(text) > limit:
        cut = _cut(text, limit)
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def _cut(text: str, limit: int) -> int:
    """Where the first piece of at most ``limit`` units ends (always > 0)."""
    room = fit_index(text, limit)
    cut = _safe_cut(text, room)
    newline, space = text.rfind("\n", 0, cut), text.rfind(" ", 0, cut)
    if newline >= room // 2:
        return newline + 1
    if space >= room // 2:
        return space + 1
    while cut > room // 2 and (
        _is_joiner(text[cut]) or text[cut - 1] == "\u200d" or _splits_a_flag(text, cut)
    ):
        cut -= 1
    return max(_safe_cut(text, cut), 1)


def clip(text: str, limit: int) -> str:
    """Shorten escaped text to ``limit`` units, ending in "…" and never mid-entity."""
    if slack_len(text) <= limit:
        return text
    return text[: _cut_back(text, fit_index(text, limit - 1))] + "…"


def fit_with_note(text: str, limit: int, note: str) -> str:
    """``text`` if it fits in ``limit``; else as much as fits, then "…" and ``note`` (which
    says where to see the rest), together within ``limit``."""
    if slack_len(text) <= limit:
        return text
    return clip(text, limit - slack_len(note)) + note


def _cut_back(text: str, cut: int) -> int:
    """``cut`` moved back so it splits no entity, joined character or flag."""
    cut = _safe_cut(text, cut)
    while 0 < cut < len(text) and (
        _is_joiner(text[cut]) or text[cut - 1] == "\u200d" or _splits_a_flag(text, cut)
    ):
        cut -= 1
    return _safe_cut(text, cut)


def _safe_cut(text: str, limit: int) -> int:
    """The largest cut ≤ ``limit`` that keeps an ``&...;`` entity whole (entities are ≤ 5)."""
    if len(text) <= limit:
        return len(text)
    amp = text.rfind("&", max(0, limit - 4), limit)
    if amp != -1 and text.find(";", amp) >= limit:
        return amp
    return limit


def _is_joiner(char: str) -> bool:
    return (
        char in _JOINERS
        or "\U000e0020" <= char <= "\U000e007f"  # tag characters (subdivision flags)
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
    )


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _splits_a_flag(text: str, cut: int) -> bool:
    """A flag is two regional indicators: a cut after an odd-numbered one in a run of
    them would separate the halves of a flag (and re-pair every flag after it)."""
    if not (0 < cut < len(text)) or not _is_regional_indicator(text[cut]):
        return False
    run = 0
    while cut - run - 1 >= 0 and _is_regional_indicator(text[cut - run - 1]):
        run += 1
    return run % 2 == 1


class PartPacker:
    """Fills messages ("parts") with blocks under every per-message budget at once.

    Each part may hold `max_blocks` blocks and `max_text` units of block text (every
    ``text`` string counted, `block_text_length`), minus what its header reserves.
    """

    def __init__(
        self,
        *,
        reserve_blocks: int = 0,
        reserve_text: int = 0,
        max_blocks: int = MAX_BLOCKS_PER_MESSAGE,
        max_text: int = BLOCK_TEXT_BUDGET,
        max_block_text: int = MAX_SECTION_TEXT,
    ) -> None:
        self._blocks = max_blocks - reserve_blocks
        self._text = max_text - reserve_text
        self._block_text = max_block_text
        self._parts: list[list[Block]] = [[]]
        self._used = 0

    def parts(self) -> list[list[Block]]:
        """The blocks of each part; never an empty part, except when nothing was added."""
        return [part for part in self._parts if part] or [[]]

    def add(self, block: Block) -> None:
        """One block whose text fits one part; starts a new part when this one is full."""
        size = block_text_length([block])
        if size > self._text or size > self._block_text:
            raise ValueError(f"a block of {size} characters fits no message")
        if not self._fits(1, size):
            self._new_part()
        self._parts[-1].append(block)
        self._used += size

    def add_text(
        self,
        body: str,
        *,
        first_label: str,
        more_label: str,
        make_block: Callable[[int, str], Block],
        keep_whole: bool = True,
    ) -> None:
        """A labelled text over as many blocks (and parts) as it needs.

        The first block starts with `first_label`, the others with `more_label` (say,
        the author's name and "(continued)"), so a text that runs on into the next part
        is still under its author's name there. With `keep_whole`, a text that fits in
        one part but not in what is left of this one starts a new part.

        Args:
            make_block: builds block number ``n`` of this text from its full text.
        """
        if keep_whole and self._parts[-1]:
            blocks, size = self._need(body, first_label, more_label)
            fits_empty = blocks <= self._blocks and size <= self._text
            if fits_empty and not self._fits(blocks, size):
                self._new_part()
        number, rest, label = 0, body, first_label
        while True:
            room = min(self._block_text, self._text - self._used) - slack_len(label)
            if len(self._parts[-1]) >= self._blocks or room < min(MIN_PIECE, slack_len(rest)):
                self._new_part()
                continue
            piece = rest if slack_len(rest) <= room else rest[: _cut(rest, room)]
            rest = rest[len(piece) :]
            block = make_block(number, label + piece)
            self._parts[-1].append(block)
            self._used += block_text_length([block])
            number, label = number + 1, more_label
            if not rest:
                return

    def _need(self, body: str, first_label: str, more_label: str) -> tuple[int, int]:
        """At most how many blocks and text units `body` takes, split by block only."""
        label = max(slack_len(first_label), slack_len(more_label))
        pieces = split_text(body, self._block_text - label)
        return len(pieces), slack_len(body) + label * len(pieces)

    def _fits(self, blocks: int, size: int) -> bool:
        return (
            len(self._parts[-1]) + blocks <= self._blocks and self._used + size <= self._text
        )

    def _new_part(self) -> None:
        if not self._parts[-1]:
            raise ValueError("nothing fits in an empty message: the reserve is too big")
        self._parts.append([])
        self._used = 0
