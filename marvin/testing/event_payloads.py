"""Events API requests, shaped exactly as Slack documents and sends them.

Events (``app_home_opened``) come as ``application/json`` event_callback envelopes. Sign
the bytes with `marvin.testing.signing.signed_headers` and
``content_type=JSON_CONTENT_TYPE``. (Interactions: `marvin.testing.interaction_payloads`.)

Example:
    >>> body = event_body(app_home_opened("U123"))
    >>> json.loads(body)["event"]["type"]
    'app_home_opened'
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

__all__ = ["JSON_CONTENT_TYPE", "app_home_opened", "event_body", "team_join", "user_change"]

JSON_CONTENT_TYPE = "application/json"
TEAM_ID = "T1"
API_APP_ID = "A1"

Payload = dict[str, Any]


def event_body(event: Payload, *, team_id: str = TEAM_ID, event_id: str | None = None) -> bytes:
    """An ``event_callback`` envelope around `event`, as Slack POSTs it (Slack's retries of
    one event carry the same `event_id`)."""
    envelope = {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(time.time()),
        "authorizations": [{"enterprise_id": None, "team_id": team_id, "user_id": "UMARVIN",
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def app_home_opened(user_id: str, *, tab: str = "home", view: Payload | None = None) -> Payload:
    """The ``app_home_opened`` event (``view`` only once a Home view was published)."""
    event: Payload = {"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}",
                      "tab": tab, "event_ts": f"{time.time():.6f}"}
    if view is not None:
        event["view"] = view
    return event


def _user(user_id: str, *, tz: str | None = "UTC", deleted: bool = False) -> Payload:
    """A user object as ``users.info`` and the user events carry it (the fields Marvin reads
    and a few it does not; no ``tz`` key when `tz` is None, as for a profile without one)."""
    user: Payload = {"id": user_id, "team_id": TEAM_ID, "name": user_id.lower(),
                     "deleted": deleted, "real_name": f"User {user_id}", "is_bot": False,
                     "profile": {"real_name": f"User {user_id}",
                                 "display_name": user_id.lower()},
                     "updated": int(time.time())}
    if tz is not None:
        user |= {"tz": tz, "tz_label": tz, "tz_offset": 0}
    return user


def user_change(user_id: str, *, tz: str | None = "UTC", deleted: bool = False) -> Payload:
    """The ``user_change`` event: the whole user object after a profile change (a new time
    zone, say) or after the account was deactivated or reactivated."""
    return {"type": "user_change", "user": _user(user_id, tz=tz, deleted=deleted),
            "cache_ts": int(time.time()), "event_ts": f"{time.time():.6f}"}


def team_join(user_id: str, *, tz: str | None = "UTC") -> Payload:
    """The ``team_join`` event: someone joined the workspace (the whole user object, its
    ``tz`` among it)."""
    return {"type": "team_join", "user": _user(user_id, tz=tz),
            "event_ts": f"{time.time():.6f}"}
