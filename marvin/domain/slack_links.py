"""Links to Slack messages, built from what Slack answered when they were posted.

Example::

    archive_link("C0GENERAL", "1712345678.000100")
    # "https://slack.com/archives/C0GENERAL/p1712345678000100"
"""

from __future__ import annotations

__all__ = ["archive_link"]


def archive_link(channel_id: str, ts: str) -> str:
    """A link to the message `ts` in `channel_id` (Slack's archive URL scheme: the ts
    without its dot, after ``p``); Slack takes a signed-in reader to their workspace."""
    return f"https://slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
