"""The digest as plain functions: escaping, Block Kit layout, splitting under Slack's limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from marvin.domain.digest import (
    MAX_BLOCKS_PER_MESSAGE,
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    DigestMessage,
    digest_messages,
    digest_summary,
    escape_mrkdwn,
)
from marvin.domain.models import Member, Team, Update
from marvin.domain.slack_limits import BLOCK_TEXT_BUDGET, block_text_length, slack_len
from marvin.domain.standup import is_blank_update

DATE = "2026-11-23"  # a Monday
TEAM = Team(name="eng", timezone="Europe/London")
ENTITY = re.compile(r"&(?:amp|lt|gt);")
OUR_MENTION = re.compile(r"<@[UW][A-Z0-9]{2,}>")
LABEL = re.compile(r"\*(?P<who>[^\n]+)\*(?P<continued> \(continued\))?\n")


def member(user_id: str) -> Member:
    return Member(user_id=user_id, team=TEAM.name)


def update(user_id: str, *entries: str) -> Update:
    return Update(team=TEAM.name, date=DATE, user_id=user_id, entries=entries)


def texts(message: DigestMessage) -> list[str]:
    """Every mrkdwn/plain text in a message's blocks."""
    found = []
    for block in message.blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# escape_mrkdwn ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> now", "&lt;!here&gt; now"),
        ("hi <@U123>", "hi &lt;@U123&gt;"),
        ("<https://x|y>", "&lt;https://x|y&gt;"),
        ("&lt;", "&amp;lt;"),  # shows as typed, not as "<"
        ("a & b && c", "a &amp; b &amp;&amp; c"),
        ("*bold* _it_ ~st~ `code` > quote", "*bold* _it_ ~st~ `code` &gt; quote"),
        ("👍🏽 🎉 👨‍👩‍👧 🇬🇧", "👍🏽 🎉 👨‍👩‍👧 🇬🇧"),
        ("שלום עולם · مرحبا بالعالم", "שלום עולם · مرحبا بالعالم"),
        ("a\x00b\x07c\x1bd\x7fe\x0bf\x0cg", "abcdefg"),
        ("keep\ttabs\nand lines", "keep\ttabs\nand lines"),
        ("windows\r\nmac\rend", "windows\nmac\nend"),
        ("", ""),
    ],
)
def test_escape_mrkdwn(raw: str, escaped: str) -> None:
    assert escape_mrkdwn(raw) == escaped


def test_escape_10000_characters() -> None:
    raw = ("<!channel> & <@U1> " * 600)[:10_000]
    escaped = escape_mrkdwn(raw)
    assert unescape(escaped) == raw
    assert "<" not in escaped and ">" not in escaped
    assert escape_mrkdwn("x" * 10_000) == "x" * 10_000
    assert escape_mrkdwn("<" * 10_000) == "&lt;" * 10_000


@given(st.text())
def test_property_escape_is_safe_and_lossless(raw: str) -> None:
    escaped = escape_mrkdwn(raw)
    assert "<" not in escaped and ">" not in escaped
    assert "&" not in ENTITY.sub("", escaped)  # every & starts one of our entities
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", escaped)
    expected = re.sub(
        r"[\x00-\x08\x0b-\x1f\x7f]", "", raw.replace("\r\n", "\n").replace("\r", "\n")
    )
    assert unescape(escaped) == expected


# digest_messages: layout -------------------------------------------------------------------


def test_digest_layout() -> None:
    members = [member("U0ANN"), member("U0BOB")]
    [message] = digest_messages(TEAM, DATE, [update("U0ANN", "did *x*", "doing y")], members)
    header, section, context = message.blocks
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Standup for Monday 23 November (eng)",
            "emoji": True,
        },
    }
    assert section["type"] == "section"
    assert section["text"] == {
        "type": "mrkdwn",
        "text": "*<@U0ANN>*\ndid *x*\ndoing y",
        "verbatim": True,  # no auto-linking, no parsing of a bare @here
    }
    assert context["type"] == "context"
    assert context["elements"][0]["text"] == "No update from: <@U0BOB>"
    assert message.text == "Standup for Monday 23 November (eng): 1 posted, 1 missing"


def test_default_team_header_has_no_name() -> None:
    team = Team()
    [message] = digest_messages(team, DATE, [], [])
    assert message.blocks[0]["text"]["text"] == "Standup for Monday 23 November"


def test_everyone_posted() -> None:
    members = [member("U0ANN"), member("U0BOB")]
    updates = [update("U0BOB", "b"), update("U0ANN", "a")]
    [message] = digest_messages(TEAM, DATE, updates, members)
    assert texts(message)[1:] == ["*<@U0BOB>*\nb", "*<@U0ANN>*\na", "Everyone posted :tada:"]


def test_empty_day_is_one_message_saying_so() -> None:
    members = [member("U0ANN"), member("U0BOB")]
    [message] = digest_messages(TEAM, DATE, [], members)
    assert texts(message)[1:] == [
        "No one posted an update for this standup.",
        "No update from: <@U0ANN>, <@U0BOB>",
    ]
    assert "0 posted, 2 missing" in message.text
    [alone] = digest_messages(TEAM, DATE, [], [])
    assert texts(alone)[1:] == ["No one posted an update for this standup."]


def test_blank_updates_are_missing_not_sections() -> None:
    members = [member("U0ANN"), member("U0BOB")]
    updates = [update("U0ANN", "  ", "\u200b"), update("U0BOB", "real")]
    [message] = digest_messages(TEAM, DATE, updates, members)
    assert texts(message)[1:] == ["*<@U0BOB>*\nreal", "No update from: <@U0ANN>"]


def test_nothing_a_user_types_can_ping_or_link() -> None:
    evil = "<!channel> <!here> <@U0BOB> <https://evil.example|click> <#C123> &lt;!everyone&gt;"
    updates = [update("U0ANN", evil), update("<!channel>", "hi"), update("U0BAD\n<!here>", "x")]
    members = [member("U0ANN"), member("<@U0BOB>")]
    [message] = digest_messages(TEAM, DATE, updates, members)
    for text in [*texts(message), message.text]:
        assert "<" not in OUR_MENTION.sub("", text), text
        assert ">" not in OUR_MENTION.sub("", text), text
    rendered = texts(message)
    assert rendered[1] == "*<@U0ANN>*\n" + escape_mrkdwn(evil)
    assert rendered[2] == "*&lt;!channel&gt;*\nhi"
    assert rendered[3] == "*U0BAD &lt;!here&gt;*\nx"  # no line break inside a label
    assert rendered[4] == "No update from: &lt;@U0BOB&gt;"


def test_bodies_are_trimmed_and_control_free() -> None:
    [message] = digest_messages(TEAM, DATE, [update("U0ANN", "", "  did\x00 it\r\n", "")], [])
    assert texts(message)[1] == "*<@U0ANN>*\ndid it"


def test_updates_of_another_team_or_date_are_refused() -> None:
    with pytest.raises(ValueError):
        digest_messages(TEAM, DATE, [Update("other", DATE, "U0ANN", ("x",))], [])
    with pytest.raises(ValueError):
        digest_messages(TEAM, DATE, [Update(TEAM.name, "2026-11-24", "U0ANN", ("x",))], [])
    with pytest.raises(ValueError):
        digest_messages(TEAM, DATE, [], [Member("U0ANN", team="other")])
    with pytest.raises(ValueError):
        digest_messages(TEAM, "tomorrow", [], [])


def test_long_team_name_is_clipped_in_the_header() -> None:
    team = Team(name="x" * 500)
    updates = [Update(team.name, DATE, f"U{n:04d}", ("hi",)) for n in range(60)]
    first, second = digest_messages(team, DATE, updates, [])
    check_limits([first, second])  # the "(continued)" survives the clipping
    assert len(first.blocks[0]["text"]["text"]) == MAX_HEADER_TEXT
    assert len(second.blocks[0]["text"]["text"]) == MAX_HEADER_TEXT


# digest_messages: splitting ----------------------------------------------------------------


def check_limits(messages: list[DigestMessage]) -> None:
    for index, message in enumerate(messages):
        assert 2 <= len(message.blocks) <= MAX_BLOCKS_PER_MESSAGE
        assert 0 < len(message.text) <= MAX_FALLBACK_TEXT
        header = message.blocks[0]
        assert header["type"] == "header"
        assert len(header["text"]["text"]) <= MAX_HEADER_TEXT
        assert header["text"]["text"].endswith(" (continued)") == (index > 0)
        ids = [block["block_id"] for block in message.blocks[1:]]
        assert len(ids) == len(set(ids))
        for text in texts(message)[1:]:
            assert 0 < slack_len(text) <= MAX_SECTION_TEXT
            assert "&" not in ENTITY.sub("", text)  # no entity cut in half
        assert block_text_length(message.blocks) <= BLOCK_TEXT_BUDGET


def reassemble(messages: list[DigestMessage]) -> list[tuple[str, str]]:
    """(label, body) per update, from the sections in order, checking they are contiguous."""
    result: list[tuple[str, str]] = []
    previous: tuple[int, int] | None = None
    for message in messages:
        for block in message.blocks:
            match = re.fullmatch(r"update-(\d+)-(\d+)", block.get("block_id", ""))
            if not match:
                continue
            number, part = int(match[1]), int(match[2])
            label = LABEL.match(block["text"]["text"])
            assert label is not None
            assert bool(label["continued"]) == (part > 0)
            body = block["text"]["text"][label.end() :]
            if part == 0:
                assert previous is None or number == previous[0] + 1
                result.append((label["who"], body))
            else:
                assert previous == (number, part - 1)  # pieces are consecutive
                result[-1] = (result[-1][0], result[-1][1] + body)
            previous = (number, part)
    return result


def test_one_long_update_splits_on_lines() -> None:
    lines = [f"line {n}: " + "word " * 20 for n in range(200)]  # ~21,000 characters
    messages = digest_messages(TEAM, DATE, [update("U0ANN", *lines)], [member("U0ANN")])
    check_limits(messages)
    assert len(messages) == 3  # ~21,000 characters: more than two messages' text budget
    for message in messages:
        sections = [block for block in message.blocks if block["type"] == "section"]
        for block in sections[:-1]:
            assert block["text"]["text"].endswith("\n")  # cut after a line break
    assert messages[1].blocks[1]["text"]["text"].startswith("*<@U0ANN>* (continued)\n")
    assert reassemble(messages) == [("<@U0ANN>", escape_mrkdwn("\n".join(lines)).strip())]


@pytest.mark.parametrize("lead", ["", "a", "ab", "abc", "abcd", "<"])
def test_hard_cuts_never_split_an_entity(lead: str) -> None:
    # No spaces or line breaks, so every cut is a hard one; leads shift where cuts fall.
    raw = lead + "&<>" * 3_000
    messages = digest_messages(TEAM, DATE, [update("U0ANN", raw)], [])
    check_limits(messages)  # includes: no "&" outside a whole entity in any block
    assert reassemble(messages) == [("<@U0ANN>", escape_mrkdwn(raw))]


def test_hard_cuts_keep_emoji_and_accents_whole() -> None:
    raw = "👍🏽" * 2_000 + "e\u0301" * 2_000 + "👨‍👩‍👧" * 1_000
    messages = digest_messages(TEAM, DATE, [update("U0BOB", raw)], [])
    check_limits(messages)
    assert reassemble(messages) == [("<@U0BOB>", raw)]
    sections = [block["text"]["text"] for block in messages[0].blocks if block["type"] == "section"]
    assert len(sections) >= 4
    for text in sections:
        body = LABEL.sub("", text, count=1)
        assert not body.startswith(("\U0001f3fd", "\u0301", "\u200d"))
        assert not body.endswith("\u200d")


def test_many_updates_continue_in_more_messages() -> None:
    updates = [update(f"U{n:04d}", f"update {n}") for n in range(120)]
    members = [member(f"U{n:04d}") for n in range(130)]
    messages = digest_messages(TEAM, DATE, updates, members)
    check_limits(messages)
    assert len(messages) == 3  # 120 sections + 1 context = 121 blocks, 49 per message
    assert (
        messages[1].blocks[0]["text"]["text"] == "Standup for Monday 23 November (eng) (continued)"
    )
    assert messages[0].text.endswith("120 posted, 10 missing (part 1 of 3)")
    assert messages[2].text.endswith("(part 3 of 3)")
    assert [body for _, body in reassemble(messages)] == [f"update {n}" for n in range(120)]


def test_a_long_missing_list_spans_context_blocks() -> None:
    members = [member(f"U{n:08d}") for n in range(1_000)]
    messages = digest_messages(TEAM, DATE, [], members)
    check_limits(messages)
    lines = [text for message in messages for text in texts(message) if "No update from" in text]
    assert len(lines) > 1
    assert lines[0].startswith("No update from: ")
    assert all(line.startswith("No update from (continued): ") for line in lines[1:])
    assert OUR_MENTION.findall(" ".join(lines)) == [f"<@{m.user_id}>" for m in members]


long_texts = st.builds(
    lambda piece, times: piece * times,
    st.text(alphabet=st.sampled_from("ab <>&\n\t👍🏽\u0301\u200d\u202eש"), min_size=1, max_size=12),
    st.integers(1, 1_000),
)
update_texts = st.lists(st.one_of(st.text(max_size=300), long_texts), min_size=0, max_size=3)


@settings(max_examples=150, deadline=None)
@given(st.lists(update_texts, max_size=40), st.integers(1, 40), st.integers(0, 60))
def test_property_nothing_lost_and_limits_kept(
    entries_per_update: list[list[str]], repeat: int, extra_members: int
) -> None:
    # Repeating the drawn updates (as different members) reaches many-message digests often.
    entries_per_update = entries_per_update * repeat
    updates = [update(f"U{n:04d}", *entries) for n, entries in enumerate(entries_per_update)]
    members = [member(f"U{n:04d}") for n in range(len(updates) + extra_members)]
    messages = digest_messages(TEAM, DATE, updates, members)
    event(f"messages: {min(len(messages), 3)}")
    event(f"longest update: {max([len(u.text) for u in updates] or [0]) // 3_000 * 3_000}+")
    check_limits(messages)
    expected = [
        (f"<@{u.user_id}>", escape_mrkdwn(u.text).strip())
        for u in updates
        if not is_blank_update(u)
    ]
    assert reassemble(messages) == expected
    summary = digest_summary(updates, members)
    assert (summary["posted"], summary["missing"]) == (len(expected), len(members) - len(expected))
    if not expected:
        assert len(messages) == 1


# digest_summary ----------------------------------------------------------------------------


def test_digest_summary() -> None:
    members = [member("U0ANN"), member("U0BOB"), member("U0CAT")]
    updates = [update("U0ANN", "abc", "de"), update("U0BOB", " "), update("U0ZED", "x")]
    assert digest_summary(updates, members) == {"posted": 2, "missing": 2, "characters": 7}
    assert digest_summary([], []) == {"posted": 0, "missing": 0, "characters": 0}


def test_digest_message_is_a_plain_record() -> None:
    message = DigestMessage(text="t", blocks=[{"type": "divider"}])
    with pytest.raises(AttributeError):
        message.text = "u"  # type: ignore[misc]
    blocks: list[dict[str, Any]] = message.blocks
    assert blocks == [{"type": "divider"}]
