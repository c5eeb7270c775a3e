"""One Socket Mode message from Slack: what it is, and the ack Bolt's answer becomes.

Slack sends text frames of JSON: ``hello`` when a connection is ready, ``disconnect``
when it will end (a routine refresh), and envelopes, each to be acked within 3 s with
``{"envelope_id": ...}``, plus the answer (``payload``) when the envelope accepts one.
Anything else is logged and dropped: nothing Slack sends can crash the connection.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.request import SocketModeRequest

log = logging.getLogger("marvin.slack.socket")

MAX_PAYLOAD_CHARS = 256 * 1024
"""Envelopes larger than this are acked unread, as HTTP refuses bodies over 256 KiB
(`marvin.web.http.MAX_BODY_BYTES`): a /standup at the app's own limit is well under."""

Kind = Literal["hello", "disconnect", "envelope", "ignored"]


@dataclass(frozen=True)
class Message:
    """A frame from Slack, read.

    Attributes:
        kind: what it is; ``ignored`` when it is none of Slack's messages.
        detail: the disconnect reason, or why it was ignored.
        envelope: the envelope (for ``envelope``), its id a string.
    """

    kind: Kind
    detail: str = ""
    envelope: dict[str, Any] | None = None


def read_message(frame: str | bytes) -> Message:
    """What a frame is; never raises."""
    if isinstance(frame, bytes):
        return Message("ignored", f"a binary frame ({len(frame)} bytes)")
    try:
        body = json.loads(frame)
    except ValueError:
        return Message("ignored", f"not JSON ({len(frame)} characters)")
    if not isinstance(body, dict):
        return Message("ignored", f"JSON {type(body).__name__}, not an object")
    kind = body.get("type")
    if kind == "hello":
        return Message("hello")
    if kind == "disconnect":
        return Message("disconnect", str(body.get("reason", "no reason given"))[:100])
    if not isinstance(body.get("envelope_id"), str) or not body["envelope_id"]:
        return Message("ignored", f"type {str(kind)[:40]!r} without an envelope_id")
    if len(frame) > MAX_PAYLOAD_CHARS:
        return Message("envelope", f"{len(frame)} characters, over the limit",
                       {"envelope_id": body["envelope_id"], "type": kind, "payload": None})
    return Message("envelope", "", body)


def answer(app: App, envelope: dict[str, Any]) -> dict[str, Any]:
    """The ack for one envelope: Bolt's answer on it when Slack accepts one.

    An envelope Bolt cannot take (no payload object, an error in a listener) is still
    acked, so Slack does not send it again and again; the log says why.
    """
    ack: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
    request = (SocketModeRequest.from_dict(envelope)
               if isinstance(envelope.get("payload"), dict) else None)
    if request is None:
        log.warning("Socket Mode: acked envelope %s unread: its payload is not an object",
                    ack["envelope_id"])
        return ack
    try:
        response = run_bolt_app(app, request)
    except Exception:  # a listener's bug: Slack still gets its ack, the log the traceback
        log.exception("Socket Mode: envelope %s (%s) failed", ack["envelope_id"], request.type)
        return ack
    if response.status != 200:
        log.info("Socket Mode: %s envelope acked without an answer (Bolt said %s: no "
                 "listener, or refused)", request.type, response.status)
        return ack
    if response.body and request.accepts_response_payload:
        content_type = response.headers.get("content-type", [""])[0]
        ack["payload"] = (json.loads(response.body) if content_type.startswith("application/json")
                          else {"text": response.body})
    return ack
