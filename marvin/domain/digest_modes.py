"""How a team's digest is laid out in Slack: `Team.digest_mode`.

- ``message``: one digest message, split into parts under Slack's limits (the default);
- ``thread``: one parent message summing up who posted and who is missing, and one
  threaded reply per person under it.
"""

from __future__ import annotations

__all__ = ["DIGEST_MODES", "MESSAGE", "THREAD", "parse_digest_mode"]

MESSAGE = "message"
THREAD = "thread"
DIGEST_MODES = (MESSAGE, THREAD)


def parse_digest_mode(value: str) -> str:
    """A `Team.digest_mode` as stored.

    Raises:
        ValueError: anything but "message" or "thread" (the CLI shows it as it is).
    """
    mode = value.strip().lower()
    if mode not in DIGEST_MODES:
        raise ValueError(f"invalid digest mode {value!r}: expected message or thread")
    return mode
