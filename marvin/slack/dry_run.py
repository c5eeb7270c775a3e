"""A ChatAPI that sends nothing: `marvin run ... --dry-run` shows what would be posted.

It needs no token and touches no network, so a dry run is safe to try on a laptop with
production settings, and its output doubles as a readable preview of a digest.

Example:
    >>> import io
    >>> out = io.StringIO()
    >>> chat = DryRunChat(out)
    >>> _ = chat.post_message(chat.open_dm("U123"), "Standup in 30 minutes!")
    >>> out.getvalue()
    'would DM U123: Standup in 30 minutes!\\n'
"""

from __future__ import annotations

import threading
from typing import Any, TextIO

from marvin.slack.block_text import render_blocks
from marvin.slack.protocol import ChannelInfo, MessageSearch, UserStatus

DM_PREFIX = "D-"


class DryRunChat:
    """Records and prints messages instead of sending them (implements `ChatAPI`).

    Thread-safe: mapped reminder tasks may run on a thread pool, and their lines must
    not interleave.

    Attributes:
        sent: ``(channel, text, blocks)`` for every message, in order.
    """

    def __init__(self, out: TextIO) -> None:
        """Write one readable entry per message to `out` (e.g. ``sys.stdout``)."""
        self._out = out
        self._lock = threading.Lock()
        self.sent: list[tuple[str, str, list[dict[str, Any]] | None]] = []

    def open_dm(self, user_id: str) -> str:
        """Return a fake DM id that `post_message` recognises as a member's DM."""
        return f"{DM_PREFIX}{user_id}"

    def post_message(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        key: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Record and print the message; return a fake, increasing ``ts``."""
        with self._lock:
            self.sent.append((channel, text, blocks))
            where = channel if thread_ts is None else f"{channel} (thread {thread_ts})"
            self._out.write(_describe(where, text, blocks) + "\n")
            self._out.flush()
            return f"0000000000.{len(self.sent):06d}"

    def user_status(self, user_id: str) -> UserStatus:
        """Every member is active on a dry run: nothing is sent, so nothing is refused."""
        return UserStatus.ACTIVE

    def find_message(self, channel: str, key: str, since: float) -> MessageSearch:
        """A dry run sends nothing, so there is never an earlier message to find."""
        return MessageSearch.absent()

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Print the edit instead of making it."""
        with self._lock:
            self._out.write(_describe(f"{channel} (edit {ts})", text, blocks) + "\n")
            self._out.flush()

    def find_reply(self, channel: str, thread_ts: str, key: str) -> MessageSearch:
        """A dry run sends nothing, so there is never an earlier reply to find."""
        return MessageSearch.absent()

    def list_channels(self) -> list[ChannelInfo]:
        """A dry run asks Slack nothing: channels are shown as configured."""
        return []

    def channel_info(self, channel_id: str) -> ChannelInfo:
        return ChannelInfo(channel_id, channel_id.lstrip("#"), is_member=True)

    def join_channel(self, channel_id: str) -> None:
        """Nothing to join without Slack."""

    def user_zone(self, user_id: str) -> str | None:
        """A dry run asks Slack nothing: the zone is unknown (the team's is used)."""
        return None


def _describe(channel: str, text: str, blocks: list[dict[str, Any]] | None) -> str:
    """The text (the notification) on the first line; a multi-line text continues on
    lines indented by 4 spaces. A message with blocks follows with the blocks as a
    reader in Slack sees them, each line marked ``│`` (the text is only their fallback)."""
    if channel.startswith(DM_PREFIX):
        where = f"DM {channel[len(DM_PREFIX) :]}"
    else:
        where = f"post to {channel}"
    first, *rest = text.splitlines() or [""]
    lines = [f"would {where}: {first}"] + [f"    {line}" for line in rest]
    if blocks:
        lines += [f"    │ {line}".rstrip() for line in render_blocks(blocks)]
    return "\n".join(lines)
