"""The real clock. Everything else takes a ``now`` callable, so tests never wait or
depend on today's date; this is the one that production code passes in."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)
