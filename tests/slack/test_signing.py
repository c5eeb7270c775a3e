"""Slack request signing: known answers, slack-sdk's verifier, slash command bodies."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from marvin.testing.signing import sign, signed_headers, slash_command_body

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"

# The worked example from Slack's "Verifying requests from Slack" documentation.
DOC_TIMESTAMP = "1531420618"
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_sign_matches_slacks_documented_example() -> None:
    assert sign(SECRET, DOC_TIMESTAMP, DOC_BODY) == DOC_SIGNATURE


def test_sign_is_v0_hmac_sha256_of_timestamp_and_raw_body() -> None:
    body = b"command=%2Fstandup&text=hello"
    expected = hmac.new(SECRET.encode(), b"v0:1700000000:" + body, hashlib.sha256).hexdigest()

    assert sign(SECRET, "1700000000", body) == "v0=" + expected


def test_signed_request_passes_slack_sdks_verifier() -> None:
    body = slash_command_body(text="yesterday: tests & docs")
    headers = signed_headers(SECRET, body)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)  # tampered body
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


def test_old_timestamp_is_rejected_as_a_replay() -> None:
    body = slash_command_body()
    headers = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)

    assert not SignatureVerifier(SECRET).is_valid_request(body, headers)


def test_signed_headers() -> None:
    body = b"text=hi"
    headers = signed_headers(SECRET, body, timestamp=1_700_000_000)

    assert headers == {
        "X-Slack-Signature": sign(SECRET, "1700000000", body),
        "X-Slack-Request-Timestamp": "1700000000",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    json_headers = signed_headers(SECRET, b"{}", 1, content_type="application/json")
    assert json_headers["Content-Type"] == "application/json"


def test_slash_command_body_has_every_field_slack_sends() -> None:
    body = slash_command_body(text="shipped it", user_id="U42", user_name="bob", team_id="T9")

    fields = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    assert set(fields) == {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "is_enterprise_install",
        "response_url",
        "trigger_id",
    }
    assert fields["command"] == "/standup"
    assert fields["text"] == "shipped it"
    assert (fields["user_id"], fields["user_name"], fields["team_id"]) == ("U42", "bob", "T9")
    assert fields["response_url"].startswith("https://hooks.slack.com/commands/")


def test_slash_command_body_encodes_text_like_slack() -> None:
    text = "done: a&b=c + ünïcode 🎉"
    body = slash_command_body(text=text)

    assert b"%2Fstandup" in body  # the command's slash is encoded, as Slack does
    assert parse_qs(body.decode())["text"] == [text]
    assert b" " not in body


def test_empty_text_is_sent_as_an_empty_field() -> None:
    fields = parse_qs(slash_command_body().decode(), keep_blank_values=True)

    assert fields["text"] == [""]


def test_channel_name_follows_channel_kind() -> None:
    def channel_name(channel_id: str) -> str:
        return parse_qs(slash_command_body(channel_id=channel_id).decode())["channel_name"][0]

    assert channel_name("D1") == "directmessage"
    assert channel_name("C1") == "general"
