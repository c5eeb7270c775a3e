"""Asking Slack whether a delivery's message already went out, by its delivery key.

Slack's answer is FOUND, ABSENT or UNKNOWN (`MessageSearch`). Only ABSENT allows a send;
on UNKNOWN (a history Marvin cannot read in full) nothing is sent (`DeliveryUnknown`).
"""

from __future__ import annotations

import datetime as dt

from marvin.slack.protocol import MessageSearch, Seen

CLOCK_SKEW = 600.0
"""Seconds to look back before a claim when searching Slack: Slack stamps messages with
its own clock. The key is unique per delivery, so looking further back is harmless."""


class DeliveryUnknown(Exception):
    """Slack cannot say whether an earlier attempt's message went out: never send blindly."""

    def __init__(self, search: MessageSearch) -> None:
        super().__init__(search.reason)
        self.search = search


def look_since(claimed_at: dt.datetime) -> float:
    """Since when (epoch seconds, Slack's clock) to look for a message of a claim."""
    return claimed_at.timestamp() - CLOCK_SKEW


def already_sent(search: MessageSearch) -> str | None:
    """The ts of the message searched for if it is out, None when Slack proves it is not.

    Raises:
        DeliveryUnknown: Slack's history cannot prove either.
    """
    if search.seen is Seen.FOUND:
        return search.ts
    if search.seen is Seen.ABSENT:
        return None
    raise DeliveryUnknown(search)
