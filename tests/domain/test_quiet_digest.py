"""`without_mentions`: a by-hand digest names people instead of pinging them."""

from __future__ import annotations

from marvin.domain.digest import MAX_SECTION_TEXT, digest_messages
from marvin.domain.models import Member, Team, Update
from marvin.domain.quiet_digest import MAX_NAME, without_mentions

DATE = "2026-11-23"


def all_text(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


def test_mentions_become_escaped_names_or_ids_and_nothing_else_changes() -> None:
    members = [Member("U0001", name="Ann *A*"), Member("U0002", name="<@U0009> & co"),
               Member("U0003")]
    updates = [Update("default", DATE, "U0001", ("talked to <@U0002> & <!here>",))]
    [loud] = digest_messages(Team(), DATE, updates, members)

    [quiet] = without_mentions([loud], members)

    assert quiet.text == loud.text
    assert "<@" not in all_text(quiet.blocks) and "<!" not in all_text(quiet.blocks)
    assert quiet.blocks[1]["text"]["text"] == (
        "*Ann *A**\ntalked to &lt;@U0002&gt; &amp; &lt;!here&gt;")  # the user's text as sent
    assert quiet.blocks[2]["elements"][0]["text"] == (
        "No update from: &lt;@U0009&gt; &amp; co, U0003")
    assert quiet.blocks[0] == loud.blocks[0]


def test_a_long_name_is_clipped() -> None:
    members = [Member("U0001", name="N" * 200)]
    [quiet] = without_mentions(digest_messages(Team(), DATE, [], members), members)

    assert quiet.blocks[-1]["elements"][0]["text"] == (
        "No update from: " + "N" * (MAX_NAME - 1) + "…")


def test_a_text_that_names_would_overflow_keeps_the_ids() -> None:
    members = [Member(f"U{n:05d}", name="N" * 60) for n in range(300)]
    loud = digest_messages(Team(), DATE, [], members)

    quiet = without_mentions(loud, members)

    texts = [e["text"] for m in quiet for b in m.blocks for e in b.get("elements", [])]
    assert all(len(text) <= MAX_SECTION_TEXT for text in texts)
    assert all("<@" not in text for text in texts)
    assert "U00000, U00001" in texts[0]
