"""When flows run: cron clocks, each in its own time zone with its own parameter defaults.

Example:
    >>> from datetime import UTC, datetime
    >>> dc = CronClock("0 9 * * mon-fri", "America/New_York", {"team": "dc"})
    >>> sf = CronClock.daily_at("09:00", timezone="America/Los_Angeles",
    ...                         parameter_defaults={"team": "sf"})
    >>> for run in Schedule([dc, sf]).next(3, after=datetime(2026, 3, 6, tzinfo=UTC)):
    ...     print(run.start_time.isoformat(), run.parameter_defaults["team"])
    2026-03-06T09:00:00-05:00 dc
    2026-03-06T09:00:00-08:00 sf
    2026-03-09T09:00:00-04:00 dc

APScheduler 3's ``CronTrigger`` matches the fields; this module corrects it where it breaks the
rules below (weekday numbers, and searches across a UTC offset change). Daylight saving time:

* A clock fires at its local time whatever the offset (09:00 New York: 14:00Z, summer 13:00Z).
* Spring forward: a local time that does not exist is read with the offset from before the
  switch, so it fires once, late by the gap: 02:30 on 2026-03-08 in New York fires at 03:30 EDT
  (07:30Z). APScheduler does this for New York but skips the day where the gap is at midnight
  (Cairo, Santiago); here it is the rule everywhere, never skipped, never twice.
* Fall back: a local time that happens twice (01:30 on 2026-11-01 in New York) fires once, at
  its first occurrence (01:30 EDT); APScheduler would fire at both. So a sub-hourly cron pauses
  during the repeated hour.

apscheduler and pendulum are imported lazily: the engine must import within 50 ms.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    import pendulum

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # APScheduler's order, 0 = Monday
_DOW_ITEM = re.compile(r"(?:\*|([0-7])(?:-([0-7]))?)(?:/([0-9]+))?")
_HH_MM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class CronClock:
    """A 5-field crontab in an IANA time zone, with the parameters its runs default to.

    Weekday numbers mean what crontab means (0 and 7 = Sunday; APScheduler 3 counts 0 = Monday).
    One APScheduler difference stays: if day-of-month and day-of-week are both restricted, a day
    must match both (crontab: either).

    Raises:
        ValueError: the cron string or the time zone is invalid (checked here, not at run time).
    """

    cron: str
    timezone: str = "UTC"
    parameter_defaults: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        # A copy, so the caller's dict changing later cannot change a frozen clock.
        object.__setattr__(self, "parameter_defaults", dict(self.parameter_defaults))
        self._trigger  # noqa: B018 - builds (so validates) the trigger now

    @classmethod
    def daily_at(
        cls,
        time: str,
        *,
        days: Iterable[int] = (0, 1, 2, 3, 4),
        timezone: str = "UTC",
        parameter_defaults: Mapping[str, Any] | None = None,
    ) -> CronClock:
        """A clock at local ``time`` ("HH:MM", 24-hour) on ``days`` (0 = Monday … 6 = Sunday)."""
        match = _HH_MM.fullmatch(time) if isinstance(time, str) else None
        if match is None:
            raise ValueError(
                f"time must be 'HH:MM' in 24-hour local time, e.g. '09:00'; got {time!r}"
            )
        chosen = list(days)
        if not chosen or any(
            isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in chosen
        ):
            raise ValueError(
                f"days must be weekday numbers, 0 = Monday … 6 = Sunday; got {chosen!r}"
            )
        weekdays = ",".join(_WEEKDAYS[d] for d in sorted(set(chosen)))
        cron = f"{int(match[2])} {int(match[1])} * * {weekdays}"
        return cls(cron, timezone, dict(parameter_defaults or {}))

    def next_after(self, after: datetime) -> pendulum.DateTime | None:
        """The first fire time strictly after ``after``, in the clock's zone; None if none is left.

        APScheduler adds wall-clock differences in UTC, so a search that crosses an offset change
        can overshoot a day (a midnight clock, from 2026-03-08 00:00 EST: 03-10, not 03-09). So
        no search crosses one: each change starts a fresh search, plus one for the times it
        skipped, and the earliest fire wins.

        Raises:
            ValueError: ``after`` is naive.
        """
        import pendulum

        start = _utc(after, "after")
        best: datetime | None = None
        # A spring-forward just behind `after` may have skipped times that are still due.
        change = _next_change(start - timedelta(days=1), start, self._zone)
        search_from = start
        while True:
            if change is not None:
                best = _earliest(best, self._skipped(change, start))
            fire = self._fire_after(search_from)
            best = _earliest(best, fire)
            change = None if fire is None else _next_change(search_from + _TICK, fire, self._zone)
            if change is None:
                break
            search_from = change - _TICK
        return None if best is None else pendulum.instance(best).in_timezone(self.timezone)

    def _fire_after(self, instant: datetime) -> datetime | None:
        """APScheduler's next fire strictly after ``instant``, in UTC, minus fall-back repeats."""
        while (fire := self._trigger.get_next_fire_time(None, instant + _TICK)) is not None:
            instant = fire.astimezone(UTC)
            # fold=1 with a smaller offset than fold=0: the second 01:30 of a fall-back night.
            if not (fire.fold and fire.replace(fold=0).utcoffset() > fire.utcoffset()):
                return instant
        return None

    def _skipped(self, change: datetime, after: datetime) -> datetime | None:
        """The first fire after ``after`` at a local time skipped by a spring-forward at ``change``.

        Such a time is read with the old offset, so a trigger pinned to it finds it exactly.
        """
        old, new = _offset(change - _TICK, self._zone), _offset(change, self._zone)
        if new <= old:
            return None
        fire = self._cron_trigger(timezone(old)).get_next_fire_time(
            None, max(change, after + _TICK)
        )
        return fire.astimezone(UTC) if fire is not None and fire < change + new - old else None

    @cached_property
    def _zone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                f"unknown time zone {self.timezone!r}: expected an IANA name such as "
                "'America/New_York' or 'UTC'"
            ) from None

    @cached_property
    def _trigger(self) -> Any:
        return self._cron_trigger(self._zone)

    def _cron_trigger(self, zone: tzinfo) -> Any:  # apscheduler's CronTrigger (untyped)
        from apscheduler.triggers.cron import CronTrigger

        fields = self.cron.split() if isinstance(self.cron, str) else []
        try:
            if len(fields) == 5:
                fields[4] = _crontab_weekdays(fields[4])
            return CronTrigger.from_crontab(" ".join(fields), timezone=zone)
        except ValueError as exc:
            raise ValueError(
                f"invalid cron {self.cron!r} ({exc}): expected 5 fields 'minute hour "
                "day-of-month month day-of-week', e.g. '30 8 * * mon-fri'"
            ) from None


@dataclass(frozen=True)
class ScheduledRun:
    """One future flow run: when, with which parameter defaults, from which clock."""

    start_time: pendulum.DateTime
    parameter_defaults: Mapping[str, Any]
    clock: CronClock


class Schedule:
    """Several clocks as one timeline, like Prefect 1's ``Schedule(clocks=[...])``."""

    def __init__(self, clocks: Sequence[CronClock]) -> None:
        self.clocks: tuple[CronClock, ...] = tuple(clocks)
        if not self.clocks:
            raise ValueError("a Schedule needs at least one CronClock, got none")

    def __repr__(self) -> str:
        return f"Schedule(clocks={list(self.clocks)!r})"

    def next(
        self, n: int, after: datetime | None = None, *, now: Callable[[], datetime] | None = None
    ) -> list[ScheduledRun]:
        """The next ``n`` runs of all clocks, in time order (ties: clock order).

        ``after`` defaults to ``now()`` (default: the system clock), so tests pin either.

        Raises:
            ValueError: ``n`` is not a positive int, or ``after`` / ``now()`` is naive.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive integer (how many runs), got {n!r}")
        start = _utc(after, "after") if after is not None else _utc((now or _utcnow)(), "now()")
        from heapq import merge
        from itertools import islice

        runs = merge(*(_runs(c, start) for c in self.clocks), key=lambda r: r.start_time)
        return list(islice(runs, n))

    def runs_between(self, start: datetime, end: datetime) -> list[ScheduledRun]:
        """All runs at ``t`` with ``start < t <= end`` (half-open, so windows tile), in time order.

        Raises:
            ValueError: either bound is naive, or ``end`` is before ``start``.
        """
        if _utc(end, "end") < _utc(start, "start"):
            raise ValueError(f"end ({end.isoformat()}) is before start ({start.isoformat()})")
        from heapq import merge
        from itertools import takewhile

        per_clock = (takewhile(lambda r: r.start_time <= end, _runs(c, start)) for c in self.clocks)
        return list(merge(*per_clock, key=lambda r: r.start_time))


def _runs(clock: CronClock, after: datetime) -> Iterator[ScheduledRun]:
    """The clock's runs after ``after``, lazily, each with its own copy of the defaults."""
    fire = clock.next_after(after)
    while fire is not None:
        yield ScheduledRun(fire, dict(clock.parameter_defaults), clock)
        fire = clock.next_after(fire)


def _utc(value: datetime, name: str) -> datetime:
    """``value`` as a stdlib UTC datetime (pendulum's ``DateTime - timedelta`` drops a stdlib
    tzinfo), or a ValueError if it is naive."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be a time-zone-aware datetime (a naive time is ambiguous: which zone, "
            f"which side of a DST switch?), got {value!r}"
        )
    u = value.astimezone(UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, UTC)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    """The zone's UTC offset at a UTC ``instant`` (wall clock minus UTC, never None)."""
    return instant.astimezone(zone).replace(tzinfo=None) - instant.replace(tzinfo=None)


def _next_change(after: datetime, until: datetime, zone: ZoneInfo) -> datetime | None:
    """The first instant in (after, until] where the zone's UTC offset changes, or None.

    Steps a day at a time (changes are months apart), then bisects on whole seconds, where tz
    database transitions fall.
    """
    before, lo = _offset(after, zone), after
    while lo < until:
        hi = min(lo + timedelta(days=1), until)
        if _offset(hi, zone) != before:
            lo_s, hi_s = math.floor(lo.timestamp()), math.ceil(hi.timestamp())
            while hi_s - lo_s > 1:
                mid = (lo_s + hi_s) // 2
                if _offset(datetime.fromtimestamp(mid, UTC), zone) == before:
                    lo_s = mid
                else:
                    hi_s = mid
            return datetime.fromtimestamp(hi_s, UTC)
        lo = hi
    return None


def _crontab_weekdays(dow: str) -> str:
    """Spell a numeric crontab day-of-week field (0 and 7 = Sunday) as weekday names.

    APScheduler 3's ``from_crontab`` counts 0 = Monday, so "1-5" would silently mean Tuesday to
    Saturday; names mean the same to both. A name field is left to APScheduler.
    """
    if not any(ch.isdigit() for ch in dow):
        return dow
    days: set[int] = set()
    for item in dow.split(","):
        match = _DOW_ITEM.fullmatch(item)
        first, last, step = match.groups() if match else ("", "", "")
        lo, hi = int(first or 0), int(last or (first if first and not step else 7))
        if match is None or lo > hi or (step is not None and int(step) < 1):
            raise ValueError(
                f"day-of-week {dow!r} is not crontab: expected 0-7 (0 and 7 = Sunday), ranges and "
                "steps like 1-5 or */2, or names like mon-fri (names and numbers not mixed)"
            )
        days.update(d % 7 for d in range(lo, hi + 1, int(step or 1)))
    return ",".join(_WEEKDAYS[(d - 1) % 7] for d in sorted(days, key=lambda d: (d - 1) % 7))
