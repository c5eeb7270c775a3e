"""Fitting text and blocks into Slack's budgets, as plain functions."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.domain.slack_fit import PartPacker, clip, fit_index, fit_with_note, split_text
from marvin.domain.slack_limits import (
    BLOCK_TEXT_BUDGET,
    MAX_BLOCKS_PER_MESSAGE,
    MAX_SECTION_TEXT,
    block_text_length,
    slack_len,
    text_strings,
)


def section(number: int, text: str) -> dict[str, Any]:
    return {"type": "section", "block_id": f"s{number}", "text": {"type": "mrkdwn", "text": text}}


def test_slack_len_counts_utf16_units() -> None:
    assert slack_len("") == 0
    assert slack_len("plain") == 5
    assert slack_len("é€") == 2
    assert slack_len("👍🏽") == 4
    assert slack_len("\ud800") == 1  # a lone surrogate does not crash the count


def test_text_strings_walk_the_whole_tree() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "H"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "a"},
                                         {"type": "mrkdwn", "text": "bc"}]},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "def"}]},
    ]
    assert list(text_strings(blocks)) == ["H", "a", "bc", "def"]
    assert block_text_length(blocks) == 7


@pytest.mark.parametrize("text", ["abc" * 50, "👍" * 50, "a👍" * 50, "é" * 50])
def test_fit_index_is_within_the_limit_and_near_it(text: str) -> None:
    for limit in (0, 1, 2, 3, 37, 100):
        index = fit_index(text, limit)
        assert slack_len(text[:index]) <= limit
        assert index == len(text) or slack_len(text[: index + 2]) > limit


def test_split_text_keeps_entities_emoji_and_flags_whole() -> None:
    text = "&amp;&lt;" * 100 + "🇫🇷🇩🇪" * 100 + "👨‍👩‍👧" * 50 + "e\u0301" * 100
    pieces = split_text(text, 97)
    assert "".join(pieces) == text
    for piece in pieces:
        assert 0 < slack_len(piece) <= 97
    for left, right in zip(pieces, pieces[1:], strict=False):
        assert not right.startswith(("amp;", "lt;", "mp;", "p;", "t;", ";", "\u200d", "\u0301"))
        assert not left.endswith("\u200d")
        flags = sum(1 for c in left if "\U0001f1e6" <= c <= "\U0001f1ff")
        assert flags % 2 == 0  # a flag's two halves always travel together


def test_split_text_prefers_line_breaks_then_spaces() -> None:
    text = ("word " * 30 + "\n") * 10
    pieces = split_text(text, 200)
    assert all(piece.endswith("\n") for piece in pieces[:-1])
    assert split_text("short", 200) == ["short"]


def test_clip_and_fit_with_note() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert clip("ab&amp;cd", 5) == "ab…"  # never half an entity
    assert fit_with_note("abc", 10, " (more)") == "abc"
    fitted = fit_with_note("x" * 100, 20, " (more)")
    assert fitted == "x" * 12 + "… (more)" and slack_len(fitted) == 20


def test_packer_keeps_every_budget_and_labels_continuations() -> None:
    packer = PartPacker(reserve_blocks=1, reserve_text=40)
    body = "line of text\n" * 2_000  # 26,000 characters
    packer.add_text(body, first_label="*A*\n", more_label="*A* (continued)\n",
                    make_block=section)
    parts = packer.parts()
    assert len(parts) == 3
    texts = [block["text"]["text"] for part in parts for block in part]
    assert texts[0].startswith("*A*\n")
    assert all(text.startswith("*A* (continued)\n") for text in texts[1:])
    joined = "".join(t.split("\n", 1)[1] for t in texts)
    assert joined == body
    for part in parts:
        assert len(part) <= MAX_BLOCKS_PER_MESSAGE - 1
        assert block_text_length(part) <= BLOCK_TEXT_BUDGET - 40
        assert all(slack_len(b["text"]["text"]) <= MAX_SECTION_TEXT for b in part)


def test_packer_starts_a_new_part_for_a_text_that_fits_one_whole() -> None:
    packer = PartPacker(max_text=1_000, max_blocks=10)
    packer.add_text("a" * 600, first_label="*A*\n", more_label="*A* (c)\n",
                    make_block=section)
    packer.add_text("b" * 600, first_label="*B*\n", more_label="*B* (c)\n",
                    make_block=section)
    first, second = packer.parts()
    assert [b["text"]["text"][:4] for b in first] == ["*A*\n"]
    assert [b["text"]["text"][:4] for b in second] == ["*B*\n"]


def test_packer_counts_blocks_too() -> None:
    packer = PartPacker(max_blocks=3)
    for n in range(7):
        packer.add(section(n, "x"))
    assert [len(part) for part in packer.parts()] == [3, 3, 1]
    with pytest.raises(ValueError, match="fits no message"):
        packer.add(section(9, "y" * (MAX_SECTION_TEXT + 1)))
    assert PartPacker().parts() == [[]]
