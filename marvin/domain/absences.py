"""Time off as people type it: "2026-12-24..2027-01-02", "tomorrow", "fri", with a reason.

Pure: `parse_away(text, today)` reads `/standup away ...` (and the App Home modal's
fields) into an `AwayRequest` against the member's local today, with a clear error for
an end before its start, a range over `MAX_AWAY_DAYS` or a date in the past.

Example::

    parse_away("2026-12-24..2027-01-02 Christmas", today=dt.date(2026, 11, 26))
    # AwayRequest(start="2026-12-24", end="2027-01-02", reason="Christmas")
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from marvin.domain.standup import DAY_NAMES, format_date, parse_date

__all__ = ["MAX_AWAY_DAYS", "MAX_REASON", "AwayError", "AwayRequest", "check_away",
           "looks_like_dates", "parse_away", "parse_day"]

MAX_AWAY_DAYS = 366
MAX_REASON = 200  # a line in the digest; longer reasons are refused, not cut
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"today": 0, "tomorrow": 1}
_DAY_WORD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[a-z]+")


class AwayError(ValueError):
    """Time off that cannot be taken; `field` says which part is wrong ("start", "end" or
    "reason"), so a form can show the message under it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AwayRequest:
    """Time off asked for: from `start` to `end` (YYYY-MM-DD, both included)."""

    start: str
    end: str
    reason: str = ""

    def describe(self) -> str:
        """E.g. "Monday 7 December to Friday 11 December", with years when it spans two."""
        if self.start == self.end:
            return f"*{format_date(self.start)}*"
        if self.start[:4] != self.end[:4]:  # over a new year: say which
            return (f"*{format_date(self.start)} {self.start[:4]}* to "
                    f"*{format_date(self.end)} {self.end[:4]}*")
        return f"*{format_date(self.start)}* to *{format_date(self.end)}*"


def looks_like_dates(token: str) -> bool:
    """Whether `token` reads as a day or a range, so "/standup away from my desk" stays an
    update and "/standup away fri" is time off."""
    parts = token.lower().split("..")
    return 1 <= len(parts) <= 2 and all(_is_day_word(part) for part in parts)


def parse_day(word: str, today: dt.date) -> dt.date:
    """One day: YYYY-MM-DD, "today", "tomorrow", or a weekday ("fri", "friday": the next
    one from `today` on, today included).

    Raises:
        ValueError: anything else, with examples.
    """
    text = word.strip().lower()
    if text in _RELATIVE:
        return today + dt.timedelta(days=_RELATIVE[text])
    for names in (DAY_NAMES, _FULL_NAMES):
        if text in names:
            return today + dt.timedelta(days=(names.index(text) - today.weekday()) % 7)
    try:
        return parse_date(text)
    except ValueError:
        raise ValueError(
            f"{word!r} is not a day: use YYYY-MM-DD (e.g. 2026-12-24), today, tomorrow or a "
            "weekday such as fri, or a range such as 2026-12-24..2027-01-02"
        ) from None


def parse_away(text: str, today: dt.date) -> AwayRequest:
    """`DAYS [reason]`: a day or a range ``A..B`` in the member's zone, then a reason.

    Raises:
        ValueError: no dates, a bad day, an end before its start, more than
            `MAX_AWAY_DAYS` days, a start in the past or a reason over `MAX_REASON`.
    """
    dates, _, reason = text.strip().partition(" ")
    if not dates:
        raise ValueError("say when: e.g. `/standup away tomorrow` or "
                         "`/standup away 2026-12-24..2027-01-02 holidays`")
    first, _, last = dates.partition("..")
    start = parse_day(first, today)
    end = parse_day(last, today) if last else start
    if last and end < start and not last[:1].isdigit():  # "fri..tue": the Tuesday after
        end = parse_day(last, start)
    return check_away(start, end, reason, today)


def check_away(start: dt.date, end: dt.date, reason: str, today: dt.date) -> AwayRequest:
    """The checks `parse_away` applies, for dates that came from elsewhere (a modal)."""
    reason = " ".join(reason.split())
    if end < start:
        raise AwayError("end", f"the end, {end.isoformat()}, is before the start, "
                        f"{start.isoformat()}")
    if (end - start).days + 1 > MAX_AWAY_DAYS:
        raise AwayError("end", f"that is {(end - start).days + 1} days; time off is at most "
                        f"{MAX_AWAY_DAYS} days at a time")
    if start < today:
        raise AwayError("start", f"{start.isoformat()} is in the past (today is "
                        f"{today.isoformat()})")
    if len(reason) > MAX_REASON:
        raise AwayError("reason", f"the reason is {len(reason)} characters; at most "
                        f"{MAX_REASON}")
    return AwayRequest(start.isoformat(), end.isoformat(), reason)


def _is_day_word(word: str) -> bool:
    return (word in _RELATIVE or word in DAY_NAMES or word in _FULL_NAMES
            or (_DAY_WORD.fullmatch(word) is not None and word[:1].isdigit()))
