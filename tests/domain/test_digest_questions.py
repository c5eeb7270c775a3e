"""The digest per question: answers under their labels, blockers on top, skips listed."""

from __future__ import annotations

import pytest

from marvin.domain.digest import blockers_text, digest_messages, update_body
from marvin.domain.models import Answer, Member, Team, Update
from marvin.domain.questions import is_blocker
from marvin.domain.standup import is_blank_update, is_reminder_needed, members_missing

DATE = "2026-11-23"
TEAM = Team(name="eng")
DID = Answer("q1", "Done?", "the <!here> *thing*")
BLOCKED = Answer("q3", "Blocked?", "waiting on <@U0BOSS>", blockers=True)


def update(user_id: str = "U0001", *entries: str, answers: tuple[Answer, ...] = (),
           skipped: bool = False) -> Update:
    return Update("eng", DATE, user_id, tuple(entries), answers=answers, skipped=skipped)


def test_update_body_puts_answers_under_labels_then_free_text_all_escaped() -> None:
    body = update_body(update("U0001", "also <b>", answers=(DID, Answer("q2", "Q2", "  "),
                                                         BLOCKED)))
    assert body == ("*Done?*\nthe &lt;!here&gt; *thing*\n\n"
                    "*Blocked?*\nwaiting on &lt;@U0BOSS&gt;\n\n"
                    "also &lt;b&gt;")


def test_an_update_without_answers_renders_as_its_free_text() -> None:
    assert update_body(update("U0001", "one", "two & three")) == "one\ntwo &amp; three"


@pytest.mark.parametrize("said", ["none", "None.", " NO ", "-", "n/a", "N/A!", "nothing",
                                  "no blockers", ""])
def test_answers_meaning_no_blocker_are_not_blockers(said: str) -> None:
    assert not is_blocker(Answer("q3", "Blocked?", said, blockers=True))


def test_only_a_blockers_question_makes_a_blocker() -> None:
    assert is_blocker(BLOCKED)
    assert not is_blocker(Answer("q1", "Done?", "blocked on review"))
    assert is_blocker(Answer("q3", "Blocked?", "none of the tests pass", blockers=True))


def test_blockers_section_comes_first_and_quotes_each_blocker_escaped() -> None:
    updates = [update("U0001", answers=(DID, BLOCKED)), update("U0002", answers=(DID,)),
               update("U0003", answers=(Answer("q3", "Blocked?", "none", blockers=True),))]
    [message] = digest_messages(TEAM, DATE, updates, [])
    first = message.blocks[1]
    assert first["block_id"] == "blockers-0"
    assert first["text"]["text"] == "*:warning: Blockers*\n• <@U0001>: waiting on &lt;@U0BOSS&gt;"
    assert blockers_text(updates[1:]) == ""


def test_no_blockers_section_when_nobody_is_blocked() -> None:
    [message] = digest_messages(TEAM, DATE, [update("U0001", answers=(DID,))], [])
    assert all(not str(b.get("block_id")).startswith("blockers") for b in message.blocks)


def test_skipped_members_are_listed_as_skipped_not_missing_and_not_reminded() -> None:
    members = [Member("U0001", "eng"), Member("U0002", "eng"), Member("U0003", "eng")]
    updates = [update("U0001", "did it"), update("U0002", skipped=True)]
    [message] = digest_messages(TEAM, DATE, updates, members)
    contexts = [b["elements"][0]["text"] for b in message.blocks if b["type"] == "context"]
    assert contexts == ["Skipped today: <@U0002>", "No update from: <@U0003>"]
    assert members_missing(members, updates) == [members[2]]
    assert not is_reminder_needed(members[1], updates)
    assert message.text.endswith("1 posted, 1 missing, 1 skipped")


def test_a_skipper_who_then_posts_counts_as_posted() -> None:
    posted = update("U0002", answers=(DID,), skipped=True)
    assert not is_blank_update(posted)
    [message] = digest_messages(TEAM, DATE, [posted], [Member("U0002", "eng")])
    assert not any("Skipped" in str(b) for b in message.blocks)
    assert "Everyone posted" in str(message.blocks[-1])


def test_blank_answers_are_a_blank_update() -> None:
    assert is_blank_update(update("U0001", " ", answers=(Answer("q1", "Q", "\u200b "),)))
