"""Thread mode's messages: a parent summary, and each person's reply within Slack's limits."""

from __future__ import annotations

from marvin.domain.digest import update_body
from marvin.domain.digest_thread import CLEARED, thread_parent, thread_reply
from marvin.domain.models import Answer, Member, Team, Update
from marvin.testing.slack_limits_check import check_message

TEAM = Team("ops")
DATE = "2026-11-26"


def update(user: str, *entries: str) -> Update:
    return Update("ops", DATE, user, entries)


def test_the_parent_names_who_posted_and_who_is_missing() -> None:
    members = [Member(u, "ops") for u in ("UA1", "UA2", "UA3")]
    parent = thread_parent(TEAM, DATE, [update("UA1", "x"), update("UA2", " ")], members)
    text = str(parent.blocks)
    assert parent.blocks[0]["text"]["text"] == "Standup for Thursday 26 November (ops)"
    assert "*1 posted* (their updates are in the thread): <@UA1>" in text
    assert "*2 missing:* <@UA2>, <@UA3>" in text  # a blank update is not posted
    assert parent.text == "Standup for Thursday 26 November (ops): 1 posted, 2 missing"


def test_a_huge_team_still_fits_one_parent() -> None:
    members = [Member(f"U{n:05d}", "ops") for n in range(2000)]
    parent = thread_parent(TEAM, DATE, [], members)
    assert check_message({"channel": "C1", "text": parent.text, "blocks": parent.blocks}) is None
    assert "…" in str(parent.blocks)


def test_a_reply_is_the_escaped_update_under_its_authors_name() -> None:
    [reply] = thread_reply(TEAM, update("UA1", "fixed <!channel> & more"))
    assert reply.blocks[0]["text"]["text"] == "*<@UA1>*\n" + update_body(
        update("UA1", "fixed <!channel> & more"))
    assert "&lt;!channel&gt; &amp; more" in reply.blocks[0]["text"]["text"]


def test_a_long_update_is_several_replies_each_within_limits() -> None:
    replies = thread_reply(TEAM, update("UA1", "word " * 4000))
    assert len(replies) >= 2
    assert "(continued)" in replies[1].blocks[0]["text"]["text"]
    for reply in replies:
        assert check_message({"channel": "C1", "text": reply.text, "blocks": reply.blocks}) is None


def test_a_cleared_update_says_so() -> None:
    [reply] = thread_reply(TEAM, update("UA1"))
    assert CLEARED in reply.blocks[0]["text"]["text"]


def test_the_parent_lists_blockers_first_and_who_skipped() -> None:
    members = [Member(u, "ops") for u in ("UA1", "UA2", "UA3")]
    blocked = Update("ops", DATE, "UA1", answers=(
        Answer("q3", "Anything blocking you?", "waiting on <legal>", blockers=True),))
    skipping = Update("ops", DATE, "UA2", skipped=True)
    parent = thread_parent(TEAM, DATE, [blocked, skipping], members)
    lines = [block["text"]["text"] for block in parent.blocks[1:]]
    assert lines[0].startswith("*:warning: Blockers*\n• <@UA1>: waiting on &lt;legal&gt;")
    assert "*1 skipped today:* <@UA2>" in lines
    assert "*1 missing:* <@UA3>" in lines  # skipping is not missing
    assert parent.text.endswith("1 posted, 1 missing, 1 skipped")
