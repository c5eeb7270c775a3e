"""The digest against Slack's limits as the stand-in checks them (no HTTP): every part is
accepted, and the parts hold every update exactly once, for teams of any size and text."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from marvin.domain.digest import (
    TRUNCATED,
    DigestMessage,
    as_plain_text,
    digest_messages,
    halve,
    update_body,
)
from marvin.domain.models import Answer, Member, Team, Update
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT, slack_len
from marvin.domain.standup import is_blank_update
from marvin.testing.slack_limits_check import check_message
from tests.support.digest_parts import unescape, updates_in

DATE = "2026-11-23"
TEAM = Team(name="eng", timezone="Europe/London")
#: Mixed scripts, emoji with modifiers, ZWJ sequences, flags (two regional indicators and a
#: tag sequence), combining accents, and Slack markup an update must not trigger.
FRAGMENTS = (
    "shipped the thing ", "word ", "\n", "\n\n", "\t", "修正しました。", "готово ", "שלום ",
    "مرحبا ", "नमस्ते ", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇩🇪", "🇯🇵", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "e\u0301", "<!channel>",
    "<!here|here>", "<@U0BOSS>", "<#C123|general>", "<https://evil.example|click>", "&",
    "&amp;", "&lt;", "<", ">", "*bold* ", "_it_ ", "`code` ", "~strike~ ", "x" * 120,
    "&<>" * 30, "\u202e", "\r\n",
)


def random_text(rnd: random.Random, size: int) -> str:
    parts: list[str] = []
    length = 0
    while length < size:
        piece = rnd.choice(FRAGMENTS)
        parts.append(piece)
        length += len(piece)
    return "".join(parts)[:size]


@st.composite
def teams(draw: Any) -> tuple[list[Member], list[Update]]:
    """1-300 members; most post a little, some a lot (up to 20,000 characters), some
    nothing; the text itself comes from a seeded random, so big teams stay cheap."""
    count = draw(st.integers(1, 300))
    # A seeded random, not st.randoms(): each of its calls would draw from hypothesis's
    # buffer, and 300 members' text would overrun it.
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    big = draw(st.floats(0, 0.2))  # the share of members with very long updates
    members = [Member(user_id=f"U{n:05d}", team=TEAM.name) for n in range(count)]
    updates = []
    for member in members:
        roll = rnd.random()
        if roll < 0.15:
            continue  # did not post
        size = rnd.randint(10_000, 20_000) if roll > 1 - big else rnd.randint(0, 1_500)
        text = random_text(rnd, size)
        answers = ()
        if roll < 0.6:  # answered the questions too: up to ten, 3,000 characters each
            answers = tuple(
                Answer(f"q{n}", random_text(rnd, rnd.randint(1, 150)),
                       random_text(rnd, rnd.randint(0, 3_000)), blockers=n == 0)
                for n in range(rnd.randint(1, 10)))
            text = text if roll < 0.4 else ""
        skipped = rnd.random() < 0.1
        updates.append(Update(team=TEAM.name, date=DATE, user_id=member.user_id,
                              entries=(text,), answers=answers, skipped=skipped))
    return members, updates


def as_payload(message: DigestMessage) -> dict[str, Any]:
    return {"channel": "C1", "text": message.text, "blocks": message.blocks}


def expected(updates: list[Update]) -> dict[str, list[str]]:
    return {
        f"<@{u.user_id}>": [unescape(update_body(u))]
        for u in updates
        if not is_blank_update(u)
    }


def giant_team() -> tuple[list[Member], list[Update]]:
    rnd = random.Random(7)
    members = [Member(user_id=f"U{n:05d}", team=TEAM.name) for n in range(300)]
    updates = [Update(team=TEAM.name, date=DATE, user_id=m.user_id,
                      entries=(random_text(rnd, 20_000),)) for m in members[:20]]
    return members, updates


@settings(max_examples=60, deadline=None)
@given(teams())
@example(giant_team())
def test_property_every_part_passes_slacks_limits_and_holds_each_update_once(
    team: tuple[list[Member], list[Update]],
) -> None:
    members, updates = team
    messages = digest_messages(TEAM, DATE, updates, members)
    for message in messages:
        refused = check_message(as_payload(message))
        assert refused is None, refused
    assert updates_in([as_payload(m) for m in messages]) == expected(updates)


def update_of(n: int, size: int) -> Update:
    text = (f"member {n} " + "did things. " * size)[:size]
    return Update(team=TEAM.name, date=DATE, user_id=f"U{n:05d}", entries=(text,))


def test_updates_that_fit_a_part_are_never_split_across_parts() -> None:
    for count, size in ((15, 1_000), (60, 2_500)):
        updates = [update_of(n, size) for n in range(count)]
        messages = digest_messages(TEAM, DATE, updates, [])
        assert len(messages) > 1
        payloads = [as_payload(m) for m in messages]
        assert all(check_message(p) is None for p in payloads)
        texts = [b["text"]["text"] for m in messages for b in m.blocks[1:]
                 if b["type"] == "section"]
        assert not any("(continued)" in t.partition("\n")[0] for t in texts)
        assert updates_in(payloads) == expected(updates)


def test_an_update_longer_than_a_part_continues_under_its_authors_name() -> None:
    updates = [update_of(1, 500), update_of(2, 20_000), update_of(3, 500)]
    messages = digest_messages(TEAM, DATE, updates, [])
    assert len(messages) >= 3
    firsts = [m.blocks[1]["text"]["text"].partition("\n")[0] for m in messages]
    assert firsts[0] == "*<@U00001>*"
    assert all(first == "*<@U00002>* (continued)" for first in firsts[1:-1])
    assert updates_in([as_payload(m) for m in messages]) == expected(updates)


def test_halve_splits_the_content_blocks_and_marks_the_second_header() -> None:
    [message] = digest_messages(TEAM, DATE, [update_of(1, 100), update_of(2, 100)], [])
    halves = halve(message)
    assert halves is not None
    first, second = halves
    assert first.blocks[0] == message.blocks[0]
    assert second.blocks[0]["text"]["text"] == "Standup for Monday 23 November (eng) (continued)"
    assert first.blocks[1:] + second.blocks[1:] == message.blocks[1:]
    single = DigestMessage("t", [message.blocks[0], message.blocks[1]])
    assert halve(single) is None


def test_plain_text_fallback_escapes_the_header_and_points_to_standup_show() -> None:
    team = Team(name="<!channel>", timezone="UTC")
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Standup (<!channel>)"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*<@U1>*\n" + "y" * 5_000}},
    ]
    plain = as_plain_text(DigestMessage("fallback", blocks))
    assert plain.blocks == []
    assert plain.text.startswith("*Standup (&lt;!channel&gt;)*\n*<@U1>*\nyyy")
    assert plain.text.endswith(TRUNCATED) and "/standup show" in plain.text
    assert slack_len(plain.text) <= ADVISED_MESSAGE_TEXT
    assert check_message({"channel": "C1", "text": plain.text}) is None
    assert team.name == "<!channel>"
