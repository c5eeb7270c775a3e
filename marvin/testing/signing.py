"""Incoming Slack requests, built and signed exactly as Slack builds and signs them.

Tests of ``POST /slack/events`` must pass Bolt's real signature check rather than switch
it off, or a broken check would go unnoticed. Slack signs ``v0:{timestamp}:{raw body}``
with HMAC-SHA256 under the app's signing secret and sends ``X-Slack-Signature`` and
``X-Slack-Request-Timestamp``; Bolt rejects timestamps more than 5 minutes off.

Example:
    >>> body = slash_command_body(text="shipped the digest")
    >>> headers = signed_headers("secret", body, timestamp=1_700_000_000)
    >>> headers["X-Slack-Signature"][:3]
    'v0='
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

__all__ = ["FORM_CONTENT_TYPE", "sign", "signed_headers", "slash_command_body"]

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def sign(signing_secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 signature of a request: ``v0=`` + hex HMAC-SHA256 of ``v0:{ts}:{body}``.

    The body must be the raw bytes as sent: re-encoding a form changes the signature.
    """
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()


def slash_command_body(
    command: str = "/standup",
    text: str = "",
    user_id: str = "U123",
    user_name: str = "alice",
    team_id: str = "T1",
    channel_id: str = "C1",
    response_url: str | None = None,
    trigger_id: str | None = None,
    *,
    team_domain: str = "marvin-test",
    channel_name: str | None = None,
    api_app_id: str = "A1",
) -> bytes:
    """The form body Slack POSTs for a slash command, with every field Slack sends.

    ``token`` is Slack's deprecated verification token, still sent; Bolt ignores it.
    `channel_name` defaults to ``directmessage`` for D… channels, else ``general``.
    `response_url` and `trigger_id` are new for each call, as Slack makes them for each
    invocation (so two identical commands are two different requests, not a replay).
    """
    if response_url is None:
        response_url = (f"https://hooks.slack.com/commands/{team_id}/"
                        f"{secrets.randbelow(10**10):010d}/{secrets.token_hex(12)}")
    if trigger_id is None:
        trigger_id = (f"{secrets.randbelow(10**10):010d}.{secrets.randbelow(10**10):010d}."
                      f"{secrets.token_hex(16)}")
    if channel_name is None:
        channel_name = "directmessage" if channel_id.startswith("D") else "general"
    fields = {
        "token": "verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return urlencode(fields).encode()


def signed_headers(
    signing_secret: str,
    body: bytes,
    timestamp: int | None = None,
    *,
    content_type: str = FORM_CONTENT_TYPE,
) -> dict[str, str]:
    """Headers Slack sends with `body`: signature, timestamp and content type.

    Args:
        timestamp: Unix seconds; defaults to now. Pass an old one to test replay rejection.
        content_type: ``application/json`` for Events API payloads.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Signature": sign(signing_secret, ts, body),
        "X-Slack-Request-Timestamp": ts,
        "Content-Type": content_type,
    }
