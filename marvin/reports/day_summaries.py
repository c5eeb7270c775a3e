"""A team's standup dates as `DaySummary` records: computed from the date's updates and
deliveries (`summarize`), and read for a range of dates with the missing ones computed
and stored on the way (`day_summaries`), so a page over two years reads one small record
per date rather than every update.

Example::

    summaries = day_summaries(store, team, standup_days(team, start, end), utc_now())

A date that is still open (its standup time has not come, or late updates may still
join its digest) is computed live and never stored. A stored summary that a later write
to one of the date's updates, or to time off over it, made stale is computed again.
Members are counted on the days they belonged to the team, as the digest does, each in
one state (posted, away, skipped, missed: `marvin.domain.participation`), so the numbers
are those of the live computation; a later change of who belonged on a past date (a join
date moved back) is not seen by summaries already stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from marvin.domain.availability import absence_on
from marvin.domain.day_summary import DaySummary, StoredSummary, to_micros
from marvin.domain.late_window import MAX_LATE, late_window_end
from marvin.domain.models import Absence, Delivery, DeliveryKind, Member, Team, Update
from marvin.domain.participation import DayState, day_state
from marvin.domain.standup import standup_instant
from marvin.store import Store

__all__ = ["DATES_PER_READ", "MAX_SPANS", "day_summaries", "is_open", "summarize",
           "summarize_dates"]

MAX_SPANS = 4  # runs of dates lacking a summary read separately, at most
DATES_PER_READ = 60  # standup dates per range read of updates and deliveries
# Past this, a date is over whatever the team's settings: a late window ends within a week
# (`MAX_LATE`, or the next standup's reminder, at most a day before it).
SURELY_OVER = MAX_LATE + dt.timedelta(days=3)


def is_open(team: Team, date: str, now: dt.datetime) -> bool:
    """Whether `date` may still change: before its standup time, or in its late window."""
    if now.date() - dt.date.fromisoformat(date) > SURELY_OVER:
        return False  # the quick answer for the many old dates of a long page
    return now < max(standup_instant(team, date), late_window_end(team, date))


def summarize(team: Team, members: Sequence[Member], updates: Iterable[Update],
              deliveries: Iterable[Delivery], date: str,
              absences: Sequence[Absence] = ()) -> DaySummary:
    """`date`'s summary from its updates, deliveries and the time off over it (records of
    other dates are ignored)."""
    by_user = {u.user_id: u for u in updates if u.date == date and u.team == team.name}
    counts = dict.fromkeys(DayState, 0)
    posts, unknown = [], 0
    for member in members:
        if member.team != team.name or not member.belongs_on(date):
            continue
        update = by_user.pop(member.user_id, None)
        away = absence_on(member.user_id, date, absences) is not None
        state = day_state(update, away=away)
        counts[state] += 1
        if state is DayState.POSTED:
            assert update is not None
            if update.first_posted_at is None:
                unknown += 1
            else:
                posts.append(to_micros(update.first_posted_at))
        elif update is not None and update.first_posted_at is not None:
            by_user[member.user_id] = update  # said something once, emptied since
    others = [to_micros(u.first_posted_at) for u in by_user.values()
              if u.first_posted_at is not None]
    sent = [d.kind for d in deliveries if d.date == date and d.sent]
    return DaySummary(
        team=team.name, date=date, posted=counts[DayState.POSTED], away=counts[DayState.AWAY],
        skipped=counts[DayState.SKIPPED], missed=counts[DayState.MISSED],
        reminders=sent.count(DeliveryKind.REMINDER), nudges=sent.count(DeliveryKind.NUDGE),
        first_posts=tuple(sorted(posts)), unknown_first_posts=unknown,
        other_first_posts=tuple(sorted(others)))


def summarize_dates(team: Team, members: Sequence[Member], updates: Iterable[Update],
                    deliveries: Iterable[Delivery], dates: Sequence[str],
                    absences: Sequence[Absence] = ()) -> list[DaySummary]:
    """`summarize` for each of `dates`, grouping the records by date once."""
    updates_on: dict[str, list[Update]] = {}
    for update in updates:
        updates_on.setdefault(update.date, []).append(update)
    deliveries_on: dict[str, list[Delivery]] = {}
    for delivery in deliveries:
        deliveries_on.setdefault(delivery.date, []).append(delivery)
    users = {m.user_id for m in members if m.team == team.name}
    away = [a for a in absences if a.user_id in users]
    return [summarize(team, members, updates_on.get(d, []), deliveries_on.get(d, []), d,
                      [a for a in away if a.covers(d)])
            for d in dates]


def day_summaries(store: Store, team: Team, dates: Sequence[str], now: dt.datetime,
                  members: Sequence[Member] | None = None) -> list[DaySummary]:
    """A summary for each of `dates` (sorted): the stored ones that hold, the others
    computed from range reads of updates and deliveries over the dates lacking one (and
    one read of the time off ending since the first of them)
    (`_spans`), and stored when the date is closed (a compare-and-set: a summary that lost to an
    update write is used for this answer but not stored). `members` (former ones
    included) saves a read when the caller has them."""
    if not dates:
        return []
    stored = {s.date: s for s in store.list_day_summaries(team.name, dates[0], dates[-1])}
    held = {d: s.summary for d, s in stored.items() if s.summary is not None
            and not is_open(team, d, now)}
    wanted = [d for d in dates if d not in held]
    if wanted:
        if members is None:
            members = store.list_members(team.name, include_former=True)
        absences = store.absences_from(wanted[0])
        for first, last in _spans(dates, set(wanted)):
            updates = store.list_updates_between(team.name, first, last)
            deliveries = store.list_deliveries_between(team.name, first, last)
            chosen = [d for d in wanted if first <= d <= last]
            for summary in summarize_dates(team, members, updates, deliveries, chosen,
                                           absences):
                held[summary.date] = summary
                if not is_open(team, summary.date, now):
                    _keep(store, summary, stored.get(summary.date))
    return [held[d] for d in dates]


def _spans(dates: Sequence[str], wanted: set[str]) -> list[tuple[str, str]]:
    """The runs of consecutive `dates` in `wanted`, as (first, last), each of at most
    `DATES_PER_READ` of them: the usual case, the open days at the end, is one short read,
    not one over the whole range; past `MAX_SPANS` runs, the wanted dates as one run (reads
    are round trips). Bounded reads keep each within the store's timeout, and what each
    computes is kept, so a first page over years of history gets there even if it is
    interrupted."""
    runs: list[list[str]] = []
    previous = False
    for date in dates:
        if date in wanted:
            if previous:
                runs[-1].append(date)
            else:
                runs.append([date])
        previous = date in wanted
    if len(runs) > MAX_SPANS:
        runs = [[d for run in runs for d in run]]
    return [(run[i], run[min(i + DATES_PER_READ, len(run)) - 1])
            for run in runs for i in range(0, len(run), DATES_PER_READ)]


def _keep(store: Store, summary: DaySummary, record: StoredSummary | None) -> None:
    store.save_day_summary(summary, None if record is None else record.version)
