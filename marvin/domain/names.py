"""What a team name and a channel may be: short, plain names, so that every document id or
key derived from them (``updates/{team}__{date}__{user}``, delivery claims) stays far under
the stores' limits (Firestore refuses ids over 1,500 bytes).

Checked where a name comes in (``marvin team set``/``add``, ``/standup join``, settings),
not when stored data is read, so names saved earlier keep working.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_NAME_LENGTH = 80  # characters; also Slack's own limit on a channel name
_TEAM_NAME = re.compile(r"[^\W_][\w.-]*")  # starts with a letter or digit
_CHANNEL = re.compile(r"#?[\w.-]+")


def check_team_name(name: str) -> str:
    """`name` if it is a valid team name; ValueError saying what is allowed otherwise."""
    if len(name) > MAX_NAME_LENGTH or _TEAM_NAME.fullmatch(name) is None:
        raise ValueError(
            f"a team name is 1 to {MAX_NAME_LENGTH} letters, digits, '-', '_' or '.', "
            f"starting with a letter or digit; got {_shown(name)}"
        )
    return name


def check_channel(channel: str) -> str:
    """`channel` if it is a valid channel name (``#general``) or id (``C0123``);
    ValueError saying what is allowed otherwise."""
    if len(channel.lstrip("#")) > MAX_NAME_LENGTH or _CHANNEL.fullmatch(channel) is None:
        raise ValueError(
            f"expected a channel name like #general or an id like C0123 (at most "
            f"{MAX_NAME_LENGTH} letters, digits, '-', '_' or '.'); got {_shown(channel)}"
        )
    return channel


def check_zone(value: str) -> str:
    """An IANA time zone name; ValueError saying what was expected otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name like "x/../y"
        raise ValueError(
            f"expected an IANA time zone such as Europe/London, got {_shown(value)}"
        ) from None
    return value


def _shown(value: str) -> str:
    """`value` quoted for an error message, cut short if long."""
    if len(value) <= MAX_NAME_LENGTH:
        return repr(value)
    return f"{value[:40]!r}… ({len(value):,} characters)"
