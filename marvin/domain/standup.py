"""Standup rules: which date an update belongs to, who is missing, who needs a reminder.

Pure functions over the records in `marvin.domain.models`; no Slack, store, environment or clock
(callers pass ``now``), so every rule is tested as a function. The digest (escaping,
Block Kit, chunking) is in `marvin.domain.digest`, which builds on these rules.

Example::

    team = Team(timezone="Europe/London", standup_time="09:00", days=parse_days("mon-fri"))
    active_standup_date(team, pendulum.datetime(2026, 11, 20, 10, tz="Europe/London"))
    # -> "2026-11-23": Friday's standup is over, the next one is Monday's
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

import pendulum

from marvin.domain.models import Member, Team, Update
from marvin.domain.team_holidays import is_holiday_for

__all__ = [
    "active_standup_date",
    "last_standup_date",
    "next_standup_date",
    "standup_dates_before",
    "local_today",
    "standup_instant",
    "local_instant",
    "parse_hhmm",
    "parse_days",
    "format_days",
    "format_date",
    "parse_date",
    "is_user_id",
    "is_blank_update",
    "members_missing",
    "is_reminder_needed",
    "reminder_text",
]

DAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_ALIASES: dict[str, tuple[int, ...]] = {
    "daily": (0, 1, 2, 3, 4, 5, 6),
    "weekdays": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
}
_HHMM = re.compile(r"\s*([01]?[0-9]|2[0-3]):([0-5][0-9])\s*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
#: Longer "ids" are not Slack's (theirs are ~11 characters) and would blow a section heading.
MAX_USER_ID_LENGTH = 64
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


# Dates ---------------------------------------------------------------------------------------


def standup_instant(team: Team, date: str) -> dt.datetime:
    """The aware instant of the team's standup on ``date`` (whether or not it is a standup day).

    Built with the stdlib's ``fold=0`` on pendulum's zone so a wall time that does not exist
    (spring forward) lands after the gap and an ambiguous one (fall back) is its first
    occurrence: exactly when APScheduler's cron trigger fires, so the date rules and the
    schedule agree on DST days. The result is normalised to a real local time (02:30 on a
    spring-forward night comes back as 03:30).
    """
    return local_instant(team, date, team.standup_time)


def local_instant(team: Team, date: str, hhmm: str) -> dt.datetime:
    """The aware instant of wall time `hhmm` on ``date`` in the team's zone, DST handled as
    `standup_instant` says (it is this with the standup time)."""
    day, zone = parse_date(date), _zone(team)
    hour, minute = parse_hhmm(hhmm)
    wall = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    return wall.astimezone(dt.UTC).astimezone(zone)


IsHoliday = Callable[[dt.date], bool]
"""Whether a day is a holiday of the team: no standup, no reminder, no digest then."""
_SEARCH_DAYS = 373  # a year of holidays, and a week to find a standup day after them


def active_standup_date(team: Team, now: dt.datetime, is_holiday: IsHoliday | None = None) -> str:
    """The standup an update posted at ``now`` counts for.

    That is the earliest standup day, from the team's local today on, that is not a holiday
    and whose standup instant is still ahead: today before standup time, otherwise the next
    standup day. Comparing instants (not wall clocks) keeps it right at every minute of DST
    days and for "00:00" standups. `is_holiday` defaults to the team's calendar
    (`marvin.domain.team_holidays`).

    Raises:
        ValueError: ``now`` is naive, or the team has no standup days, a bad time or zone,
            or a year of holidays.
    """
    days, today, holiday = _days(team), _local_today(team, now), _holidays(team, is_holiday)
    for offset in range(_SEARCH_DAYS):
        day = today + dt.timedelta(days=offset)
        if day.weekday() in days and not holiday(day) and _epoch(team, day) > now.timestamp():
            return day.isoformat()
    raise _all_holidays(team)


def last_standup_date(team: Team, now: dt.datetime, is_holiday: IsHoliday | None = None) -> str:
    """The latest standup whose time has come at ``now``: what the digest at standup time covers.

    `active_standup_date` has already moved on to the next standup at that instant, so the
    standup flow needs this one instead. Holidays are passed over. Same errors as
    `active_standup_date`.
    """
    days, today, holiday = _days(team), _local_today(team, now), _holidays(team, is_holiday)
    for offset in range(_SEARCH_DAYS):
        day = today - dt.timedelta(days=offset)
        if day.weekday() in days and not holiday(day) and _epoch(team, day) <= now.timestamp():
            return day.isoformat()
    raise _all_holidays(team)


def next_standup_date(team: Team, date: str, is_holiday: IsHoliday | None = None) -> str:
    """The first standup day strictly after ``date`` that is not a holiday; e.g. where a
    reminder's next run points."""
    days, start, holiday = _days(team), parse_date(date), _holidays(team, is_holiday)
    for offset in range(1, _SEARCH_DAYS):
        day = start + dt.timedelta(days=offset)
        if day.weekday() in days and not holiday(day):
            return day.isoformat()
    raise _all_holidays(team)


def standup_days(team: Team, start: str, end: str) -> list[str]:
    """The team's standup dates from `start` to `end`, inclusive, as YYYY-MM-DD (its
    holidays left out). ValueError for a range that ends first or a team without valid
    standup days."""
    first, last = parse_date(start), parse_date(end)
    if first > last:
        raise ValueError(f"the range starts ({start}) after it ends ({end})")
    if not team.days or any(day not in range(7) for day in team.days):
        raise ValueError(f"team {team.name!r} has no valid standup days: {list(team.days)}")
    is_standup_day = _standup_day_rule(team, None)
    dates = (first + dt.timedelta(days=offset) for offset in range((last - first).days + 1))
    return [d.isoformat() for d in dates if is_standup_day(d)]


def standup_dates_before(
    team: Team, date: str, count: int, is_holiday: IsHoliday | None = None
) -> list[str]:
    """The team's last `count` standup days strictly before ``date``, oldest first,
    holidays passed over; fewer when a year back holds fewer."""
    start, is_standup_day = parse_date(date), _standup_day_rule(team, is_holiday)
    found: list[str] = []
    for offset in range(1, _SEARCH_DAYS):
        if len(found) == count:
            break
        day = start - dt.timedelta(days=offset)
        if is_standup_day(day):
            found.append(day.isoformat())
    return found[::-1]


def _standup_day_rule(team: Team, is_holiday: IsHoliday | None) -> IsHoliday:
    """Whether a day is one of the team's standup days: its weekdays, not its holidays."""
    days, holiday = _days(team), _holidays(team, is_holiday)
    return lambda day: day.weekday() in days and not holiday(day)


def local_today(team: Team, now: dt.datetime) -> str:
    """The team's calendar date at ``now`` (YYYY-MM-DD)."""
    return _local_today(team, now).isoformat()


def _holidays(team: Team, is_holiday: IsHoliday | None) -> IsHoliday:
    return is_holiday_for(team) if is_holiday is None else is_holiday


def _all_holidays(team: Team) -> ValueError:
    return ValueError(f"team {team.name!r} has no standup day that is not a holiday for a year")


def parse_date(date: str) -> dt.date:
    """A ``YYYY-MM-DD`` date (a standup date, a report's bound, a ``--date`` option).

    Raises:
        ValueError: anything else, e.g. "2026-6-1" or "2026-02-30", with an example of what
            is expected (the CLI shows this message as it is).
    """
    # fromisoformat alone would also take "20261123" or "2026-W48-1"; dates are keys, so be strict.
    if isinstance(date, str) and _DATE.fullmatch(date):
        with contextlib.suppress(ValueError):  # a day that does not exist, e.g. 2026-02-30
            return dt.date.fromisoformat(date)
    raise ValueError(f"bad date {date!r}: expected YYYY-MM-DD, e.g. 2026-11-23")


def format_date(date: str) -> str:
    """An ISO date as people say it in messages, e.g. "Monday 23 November"."""
    day = parse_date(date)
    return pendulum.date(day.year, day.month, day.day).format("dddd D MMMM")


def _epoch(team: Team, day: dt.date) -> float:
    # Compare instants as epoch seconds: Python compares two datetimes sharing a tzinfo by
    # wall clock, ignoring fold, which is wrong for exactly the DST hours this must get right.
    return standup_instant(team, day.isoformat()).timestamp()


def _zone(team: Team) -> pendulum.Timezone | pendulum.FixedTimezone:
    return _zone_named(team.timezone)


@functools.lru_cache(maxsize=128)
def _zone_named(name: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    # pendulum.timezone() re-reads the tz database on every call (~0.2 ms); zones are immutable.
    return pendulum.timezone(name)  # InvalidTimezone is a ValueError


def _days(team: Team) -> frozenset[int]:
    if not team.days:
        raise ValueError(f"team {team.name!r} has no standup days, so it never stands up")
    bad = [day for day in team.days if day not in range(7)]
    if bad:
        raise ValueError(f"team {team.name!r} has invalid days {bad}: expected 0 (Mon) to 6 (Sun)")
    return frozenset(team.days)


def _local_today(team: Team, now: dt.datetime) -> dt.date:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be time-zone aware, got naive {now!r}")
    return pendulum.instance(now).in_timezone(_zone(team)).date()



# Times and days (settings, `marvin team add`) ------------------------------------------------


def parse_hhmm(value: str) -> tuple[int, int]:
    """Parse a wall-clock time such as "09:00" (or "9:00") into ``(hour, minute)``."""
    match = _HHMM.fullmatch(value)
    if not match:
        raise ValueError(f"invalid time {value!r}: expected HH:MM, 24-hour, e.g. 09:00")
    return int(match[1]), int(match[2])


def parse_days(value: str) -> tuple[int, ...]:
    """Parse days such as "mon-fri", "Mon, Wed, Fri", "sun-thu" (wrapping) or "daily".

    Days are 0 (Monday) to 6 (Sunday), sorted and unique, as in `Team.days`. Names may be
    three-letter or full; "weekdays" and "weekends" are accepted too.
    """
    text = re.sub(r"\s*-\s*", "-", value.strip().lower())
    tokens = [token for token in re.split(r"[\s,]+", text) if token]
    if not tokens:
        raise ValueError(f"no days in {value!r}: expected e.g. mon-fri, mon,wed,fri or daily")
    days: set[int] = set()
    for token in tokens:
        if token in _DAY_ALIASES:
            days.update(_DAY_ALIASES[token])
        elif "-" in token:
            first, _, last = token.partition("-")
            start, end = _day_number(first, value), _day_number(last, value)
            days.update((start + step) % 7 for step in range((end - start) % 7 + 1))
        else:
            days.add(_day_number(token, value))
    return tuple(sorted(days))


def format_days(days: Iterable[int]) -> str:
    """The compact form of days that `parse_days` reads back: "mon-fri", "sun-thu", "daily".

    Runs of three or more days (wrapping past Sunday) become ranges; others are listed.
    """
    chosen = set(days)
    if not chosen or not chosen <= set(range(7)):
        raise ValueError(f"invalid days {sorted(chosen)}: expected 1 to 7 of 0 (Mon) to 6 (Sun)")
    if len(chosen) == 7:
        return "daily"
    runs: list[list[int]] = []
    first = min(day for day in chosen if (day - 1) % 7 not in chosen)
    for step in range(7):
        day = (first + step) % 7
        if day in chosen:
            if runs and (runs[-1][-1] + 1) % 7 == day:
                runs[-1].append(day)
            else:
                runs.append([day])
    tokens: list[tuple[int, str]] = []
    for run in runs:
        if len(run) >= 3:
            tokens.append((run[0], f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}"))
        else:
            tokens.extend((day, DAY_NAMES[day]) for day in run)
    return ",".join(name for _, name in sorted(tokens))


def _day_number(token: str, value: str) -> int:
    for names in (DAY_NAMES, _FULL_DAY_NAMES):
        if token in names:
            return names.index(token)
    raise ValueError(
        f"unknown day {token!r} in {value!r}: use mon, tue, wed, thu, fri, sat, sun, "
        "ranges such as mon-fri, lists such as mon,wed,fri, or daily"
    )


# Who has posted -----------------------------------------------------------------------------


def is_user_id(value: str) -> bool:
    """Whether ``value`` looks like a Slack user id, so ``<@value>`` may be sent as a mention."""
    return len(value) <= MAX_USER_ID_LENGTH and _USER_ID.fullmatch(value) is not None


def is_blank_update(update: Update) -> bool:
    """An update with nothing visible in it (say, only spaces or zero-width characters).

    Such an update does not count as posted: its author is still reminded and listed missing
    (or skipped). Answers to the team's questions count as much as free text.
    """
    texts = [*update.entries, *(answer.text for answer in update.answers)]
    return all(is_blank_text(text) for text in texts)


def is_blank_text(text: str) -> bool:
    """Nothing visible: only spaces, zero-width or other invisible characters."""
    return all(unicodedata.category(char) in _BLANK_CATEGORIES or char.isspace() for char in text)


def is_skipped(update: Update) -> bool:
    """Said "Skip today" and nothing else: not nudged, shown as skipped, not missing."""
    return update.skipped and is_blank_update(update)


def members_skipped(members: Sequence[Member], updates: Sequence[Update]) -> list[Member]:
    """Members (in the given order, once each) who skipped this date and posted nothing."""
    skipped = {(update.team, update.user_id) for update in updates if is_skipped(update)}
    found: list[Member] = []
    for member in members:
        key = (member.team, member.user_id)
        if key in skipped and member not in found:
            found.append(member)
    return found


def members_missing(members: Sequence[Member], updates: Sequence[Update]) -> list[Member]:
    """Members (in the given order, once each) without a non-blank update among ``updates``
    who did not skip the date either.

    ``updates`` are one standup date's; they are matched by (team, user id) so another
    team's update never counts.
    """
    posted = {(update.team, update.user_id) for update in updates
              if update.skipped or not is_blank_update(update)}
    missing: list[Member] = []
    seen: set[tuple[str, str]] = set()
    for member in members:
        key = (member.team, member.user_id)
        if key not in posted and key not in seen:
            seen.add(key)
            missing.append(member)
    return missing


def is_reminder_needed(member: Member, updates: Sequence[Update]) -> bool:
    """Whether ``member`` should get a reminder DM: they have not posted for this date yet,
    nor chosen to skip it."""
    return bool(members_missing([member], updates))


def reminder_text(member: Member, team: Team, date: str, zone: str | None = None) -> str:
    """The reminder DM: when standup is and how to post.

    The time is the team's, in the team's zone (the digest's, what the channel expects);
    `zone`, the member's own (`marvin.domain.zones.personal_zone`), adds their wall time
    when it differs ("09:30 (Europe/Berlin), 08:30 your time (Europe/London)"), with its
    weekday when it is another day there, like the App Home's "Next standup".

    Built only from validated parts (a checked user id, a parsed date, time and zone), so no
    user-controlled text needs escaping; the literal ``<...>`` is escaped by hand because Slack
    would read raw angle brackets as a link or mention.
    """
    greeting = f"Hi <@{member.user_id}>!" if is_user_id(member.user_id) else "Hi there!"
    hour, minute = parse_hhmm(team.standup_time)
    _zone(team)  # a zone name that pendulum knows is plain ASCII, safe to show as is
    return (
        f"{greeting} Standup for *{format_date(date)}* is at {hour:02d}:{minute:02d} "
        f"({team.timezone}){your_time(team, date, zone)} and I have not seen your update "
        "yet.\n"
        "Write it with the button below (or `/standup`), or post it as text with "
        "`/standup &lt;what you did, what you'll do, blockers&gt;`."
    )


def your_time(team: Team, date: str, zone: str | None) -> str:
    """", 08:30 your time (Europe/London)," after the team's standup time when the wall
    clock of `zone` (the member's) shows another time or day then; "" when it does not."""
    if zone is None or zone == team.timezone:
        return ""
    at = standup_instant(team, date)
    theirs = pendulum.instance(at).in_timezone(_zone_named(zone))
    ours = pendulum.instance(at).in_timezone(_zone(team))
    if (theirs.date(), theirs.hour, theirs.minute) == (ours.date(), ours.hour, ours.minute):
        return ""  # another name for the same wall clock (Europe/Paris for Europe/Berlin)
    day = "" if theirs.date() == ours.date() else theirs.format("dddd ")
    return f", {day}{theirs.format('HH:mm')} your time ({zone}),"
