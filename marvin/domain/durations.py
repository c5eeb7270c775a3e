"""How long a run or task took, as people read it in the CLI and on the dashboard."""

from __future__ import annotations

import datetime as dt

__all__ = ["format_duration"]


def format_duration(
    start: dt.datetime | None, end: dt.datetime | None, missing: str = "-"
) -> str:
    """E.g. "420 ms", "12.3 s", "3m 05s", "1h 02m"; `missing` while running or never started."""
    if start is None or end is None:
        return missing
    seconds = max((end - start).total_seconds(), 0.0)  # clocks of two replicas can disagree
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes < 60 else f"{minutes // 60}h {minutes % 60:02d}m"
