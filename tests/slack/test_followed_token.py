"""A followed token: a Slack client re-reads its installation once when Slack refuses the
token, sends again only with a new one, and never logs a token."""

from __future__ import annotations

import logging

import pytest

from marvin.slack.client import SlackWebChat
from marvin.slack.followed_token import FollowedToken, fingerprint
from marvin.slack.protocol import SlackError
from marvin.testing.slack_api import SlackStandIn

OLD, NEW = "xoxb-followed-old", "xoxb-followed-new"


class Installation:
    """The stored token, and how often it was read."""

    def __init__(self, token: str | None) -> None:
        self.token, self.reads = token, 0

    def read(self) -> str | None:
        self.reads += 1
        return self.token


def chat_on(standin: SlackStandIn, installation: Installation) -> SlackWebChat:
    return SlackWebChat(FollowedToken(OLD, installation.read, name="TALPHA"), standin.url,
                        max_retries=0)


@pytest.mark.parametrize("refusal", ["invalid_auth", "token_revoked", "account_inactive"])
def test_a_refused_token_is_read_again_once_and_the_call_sent_with_the_new_one(
    standin: SlackStandIn, refusal: str, caplog: pytest.LogCaptureFixture,
) -> None:
    installation = Installation(NEW)
    chat = chat_on(standin, installation)
    standin.fail_next("chat.postMessage", status=200, error=refusal)
    with caplog.at_level(logging.INFO, logger="marvin.slack"):
        chat.post_dm("U1", "hello", key="k-1")
    assert [(c.token, c.outcome, c.acted) for c in standin.calls_to("chat.postMessage")] == [
        (OLD, f"error:{refusal}", False), (NEW, "ok", True)]
    assert installation.reads == 1
    chat.post_dm("U2", "hello")  # the new token is kept: no second read
    assert installation.reads == 1 and standin.calls[-1].token == NEW
    assert fingerprint(NEW) in caplog.text
    assert OLD not in caplog.text and NEW not in caplog.text


def test_the_same_token_read_again_fails_with_slacks_refusal(standin: SlackStandIn) -> None:
    installation = Installation(OLD)
    standin.refuse_token(OLD)
    with pytest.raises(SlackError) as refused:
        chat_on(standin, installation).post_message("C1", "hello")
    assert refused.value.error == "invalid_auth" and refused.value.permanent
    assert len(standin.calls) == 1 and installation.reads == 1


def test_a_new_token_refused_too_is_not_followed_round_and_round(standin: SlackStandIn) -> None:
    installation = Installation(NEW)
    standin.refuse_token(OLD)
    standin.refuse_token(NEW)
    with pytest.raises(SlackError, match="invalid_auth"):
        chat_on(standin, installation).post_message("C1", "hello")
    assert [c.token for c in standin.calls] == [OLD, NEW] and installation.reads == 1


def test_other_refusals_read_nothing(standin: SlackStandIn) -> None:
    installation = Installation(NEW)
    standin.fail_next("conversations.info", status=200, error="channel_not_found")
    with pytest.raises(SlackError, match="channel_not_found"):
        chat_on(standin, installation).channel_info("C1")
    assert installation.reads == 0


def test_an_installation_that_cannot_be_read_changes_nothing() -> None:
    def unreadable() -> str | None:
        raise OSError("store down")

    token = FollowedToken(OLD, unreadable)
    assert token.follow() is False and token.value == OLD
    assert FollowedToken(OLD).follow() is False  # nothing to follow: single-token mode
    assert token.offer("") is False and token.offer(None) is False and token.value == OLD
    assert token.offer(NEW) is True and token.value == NEW


def test_a_token_another_thread_followed_meanwhile_is_used(standin: SlackStandIn) -> None:
    class FollowedElsewhere(FollowedToken):
        def follow(self) -> bool:
            self.offer(NEW)  # another call of the workspace followed it first
            return super().follow()  # nothing new left to read here

    standin.refuse_token(OLD)
    chat = SlackWebChat(FollowedElsewhere(OLD, lambda: NEW), standin.url, max_retries=0)
    chat.post_dm("U1", "hello")
    assert [(c.token, c.acted) for c in standin.calls] == [(OLD, False), (NEW, True)]
