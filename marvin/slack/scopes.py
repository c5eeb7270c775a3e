"""The bot scopes Marvin needs, and which scope each Web API method it calls takes.

One list shared by `marvin doctor` (granted vs needed), the Slack stand-in (which refuses
a call whose scope the token lacks, as Slack does) and slack-app-manifest.yml (a test
keeps the manifest's ``oauth_config.scopes.bot`` equal to `REQUIRED_SCOPES`).
No slack_sdk here: the stand-in imports this module.
"""

from __future__ import annotations

__all__ = ["REQUIRED_SCOPES", "scopes_for"]

REQUIRED_SCOPES: tuple[str, ...] = (
    "commands",  # /standup
    "chat:write",  # the digest, DMs and alerts
    "chat:write.public",  # post to a public channel the bot has not joined (alerts)
    "channels:join",  # join the digest's public channel: reading its history needs membership
    "channels:read",  # resolve #name to a channel id; is the bot a member?
    "groups:read",  # ... the same for private channels the bot was invited to
    "im:write",  # open DMs for reminders
    "users:read",  # names and time zones of members; `marvin doctor` checks they are active
    "im:history",  # after a crash or timeout: did that reminder go out? (never twice)
    "channels:history",  # the same check for the digest in a public channel
    "groups:history",  # ... and in a private channel
)

# Scopes by conversation kind: public channel, private channel, DM, group DM.
_HISTORY = {
    "public": "channels:history",
    "private": "groups:history",
    "im": "im:history",
    "mpim": "mpim:history",
}
_BY_KIND = {
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,  # a thread is read with its channel's history scope
    "conversations.info": {
        "public": "channels:read",
        "private": "groups:read",
        "im": "im:read",
        "mpim": "mpim:read",
    },
}
_LIST_TYPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}
_FIXED = {
    "auth.test": (),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),  # only the bot's own messages
    "conversations.open": ("im:write",),
    "conversations.join": ("channels:join",),
    "users.info": ("users:read",),
}


def scopes_for(method: str, *, kind: str = "public", types: str = "") -> tuple[str, ...]:
    """The scopes a bot token needs for one call (all of them), () when none.

    Args:
        kind: for per-conversation methods, ``public``, ``private``, ``im`` or ``mpim``.
        types: for ``conversations.list``, its comma-separated ``types`` argument.
    """
    if method in _BY_KIND:
        return (_BY_KIND[method][kind],)
    if method == "conversations.list":
        wanted = [t.strip() for t in (types or "public_channel").split(",") if t.strip()]
        return tuple(_LIST_TYPES[t] for t in wanted if t in _LIST_TYPES)
    return _FIXED.get(method, ())
