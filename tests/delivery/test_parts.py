"""A digest's parts (`marvin.delivery.parts`): keys per part and half, what a takeover
finds, and when a failure leaves part of it out."""

from __future__ import annotations

from typing import Any, cast

import pytest

from marvin.delivery.lookup import DeliveryUnknown
from marvin.delivery.parts import PartlySent, PartSender, fingerprint, message_at, part_key
from marvin.domain.digest import DigestMessage, halve
from marvin.slack.protocol import ChatAPI, MessageSearch, SlackError

KEY = "digest/default/2026-11-23/#general"
TOO_BIG = SlackError("chat.postMessage", "msg_blocks_too_long", permanent=True)
HTTP_500 = SlackError("chat.postMessage", "http_500", permanent=False)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


class FakeChat:
    """Posts under keys; refuses the keys in `refuse` with their error."""

    def __init__(self, refuse: dict[str, SlackError] | None = None) -> None:
        self.keys: list[str] = []
        self.refuse = refuse or {}

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None,
        key: str | None = None, thread_ts: str | None = None,
    ) -> str:
        if key in self.refuse:
            raise self.refuse.pop(key)
        self.keys.append(key or "")
        return f"{len(self.keys)}.000100"


def sender(chat: FakeChat, find: Any = None) -> PartSender:
    return PartSender(cast(ChatAPI, chat), "C1", KEY, find)


TWO = [DigestMessage("one", [section("a"), section("b")]), DigestMessage("two", [section("c")])]


def test_each_part_carries_its_own_key() -> None:
    chat = FakeChat()
    assert sender(chat).send(TWO) == ["1.000100", "2.000100"]
    assert chat.keys == [f"{KEY}#0", f"{KEY}#1"]


def test_a_part_refused_as_too_big_goes_out_in_halves() -> None:
    chat = FakeChat(refuse={f"{KEY}#0": TOO_BIG})
    assert len(sender(chat).send(TWO)) == 3
    assert chat.keys == [f"{KEY}#0.0", f"{KEY}#0.1", f"{KEY}#1"]


def test_a_takeover_sends_only_what_slack_lacks_halves_included() -> None:
    out = {f"{KEY}#0.0": "7.000100"}

    def find(key: str) -> MessageSearch:
        return MessageSearch.found(out[key]) if key in out else MessageSearch.absent()

    chat = FakeChat()
    assert sender(chat, find).send(TWO) == ["7.000100", "1.000100", "2.000100"]
    assert chat.keys == [f"{KEY}#0.1", f"{KEY}#1"]


def test_a_takeover_sends_nothing_while_slack_cannot_say() -> None:
    chat = FakeChat()
    with pytest.raises(DeliveryUnknown):
        sender(chat, lambda key: MessageSearch.unknown("http_503")).send(TWO)
    assert chat.keys == []


def test_a_failure_after_a_part_went_out_says_some_of_it_is_out() -> None:
    chat = FakeChat(refuse={f"{KEY}#1": HTTP_500})
    with pytest.raises(PartlySent, match="1 of 2 messages sent, then: chat.postMessage"):
        sender(chat).send(TWO)


def test_a_failure_before_anything_went_out_is_the_send_s_own() -> None:
    chat = FakeChat(refuse={f"{KEY}#0": HTTP_500})
    with pytest.raises(SlackError):
        sender(chat).send(TWO)
    assert chat.keys == []


def test_a_digest_part_key_adds_the_part_number() -> None:
    assert part_key(KEY, 2) == "digest/default/2026-11-23/#general#2"


def test_a_part_is_recorded_with_its_path_and_what_it_showed() -> None:
    chat = FakeChat(refuse={f"{KEY}#0": TOO_BIG})
    parts = sender(chat)
    parts.send(TWO)
    halves = halve(TWO[0])
    assert halves is not None
    assert parts.parts == [f"0.0={fingerprint(halves[0])}", f"0.1={fingerprint(halves[1])}",
                           f"1={fingerprint(TWO[1])}"]


def test_message_at_follows_a_path_through_halves() -> None:
    halves = halve(TWO[0])
    assert message_at(TWO, "1") == TWO[1]
    assert halves is not None and message_at(TWO, "0.1") == halves[1]
    assert message_at(TWO, "2") is None  # the digest got shorter
    assert message_at(TWO, "1.0") is None  # one block cannot be halved
    assert message_at(TWO, "x") is None


def test_the_fingerprint_is_what_the_blocks_show_not_the_fallback_text() -> None:
    assert fingerprint(DigestMessage("a", [section("x")])) == fingerprint(
        DigestMessage("b", [section("x")]))
    assert fingerprint(DigestMessage("a", [section("x")])) != fingerprint(
        DigestMessage("a", [section("y")]))
    assert fingerprint(DigestMessage("plain")) != fingerprint(DigestMessage("other"))
