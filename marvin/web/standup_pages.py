"""The standup pages beside /runs: GET /standups (the teams), GET /standups/{team} (a
calendar of standup dates with participation, SVG charts, the reminder-time tuner's
curve) and GET /standups/{team}/{date} (one date: `marvin.web.standup_date_page`).

Example::

    routes = standup_routes(store, history, token, default_team(settings))

Same token protection as /runs (`marvin.web.page_frame.guard`). A team or date in the URL
that does not exist or does not parse is a 404 or 400 page, never a 500; everything read
from the store is escaped. The team page reads one summary per standup date
(`marvin.reports.day_summaries`: stored ones, the rest computed and kept) and a date page
the one date's updates and deliveries, so a team of 200 over two years stays fast
(bench/standup_pages.py).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from html import escape
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from marvin.domain.clock import utc_now
from marvin.domain.day_summary import DaySummary
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.domain.names import check_team_name
from marvin.domain.run_names import REMINDER_FLOW, STANDUP_FLOW
from marvin.domain.standup import active_standup_date, parse_date, standup_days
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.reports.day_summaries import day_summaries
from marvin.reports.reminder_tuner import ASSUMPTION, Tuning, days_over, tune_summaries
from marvin.reports.standup_overview import first_post_offsets
from marvin.store import Store, StoreError
from marvin.store.run_history import RunHistory
from marvin.web.charts_svg import Series, bar_chart, line_chart
from marvin.web.page_frame import error_page, guard, page, table
from marvin.web.standup_date_page import DateRecord, date_page
from marvin.web.workspace_param import WorkspaceData, WorkspacePick, keep_workspace

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "standup_routes"]

DEFAULT_DAYS = 56  # the team page's range when none is asked: eight weeks
MAX_DAYS = 800  # a little over two years per page
RUNS_AROUND_A_DATE = 500  # run records read to find which run sent a date's messages
BUCKET = 15  # minutes per bar of the first-post distribution
SPREAD = 180  # minutes before/after the reminder it shows; beyond goes in the end bars
POSTED, SKIPPED, MISSED, REMINDED = "#16a34a", "#9ca3af", "#dc2626", "#2563eb"
AWAY = "#a78bfa"


class BadRequest(ValueError):
    """Something in the URL that does not parse: a 400 page saying what."""


def _team_or_none(store: Store, default: Team, name: str) -> Team | None:
    try:
        check_team_name(name)
    except ValueError:
        return None  # never a store call for a name no team can have
    return store.get_team(name) or (default if name == default.name else None)


def _date(value: str, what: str) -> str:
    try:
        return parse_date(value).isoformat()
    except ValueError as exc:
        raise BadRequest(f"{what}: {exc}") from None


def _range(team: Team, since: str | None, until: str | None) -> tuple[str, str]:
    end = _date(until, "until") if until else active_standup_date(team, utc_now())
    start = (_date(since, "since") if since else
             (parse_date(end) - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    days = (parse_date(end) - parse_date(start)).days + 1
    if days < 1:
        raise BadRequest(f"since ({start}) is after until ({end})")
    if days > MAX_DAYS:
        raise BadRequest(f"at most {MAX_DAYS} days per page; asked for {days}")
    return start, end


# The teams -------------------------------------------------------------------------------
def _teams_page(teams: Sequence[Team]) -> str:
    rows = (f'<tr><td><a href="/standups/{escape(quote(t.name, safe=""))}">{escape(t.name)}'
            f"</a></td><td>{escape(t.timezone)}</td><td>{escape(t.reminder_time)}</td>"
            f"<td>{escape(t.standup_time)}</td><td>{escape(t.channel)}</td></tr>"
            for t in teams)
    return "<h1>Standups</h1>" + table(
        ["Team", "Time zone", "Reminder", "Standup", "Channel"], rows, "no teams yet")


# One team --------------------------------------------------------------------------------
def _shade(day: DaySummary) -> str:
    """Red (nobody posted) to green (everyone did), grey without members."""
    if not day.members:
        return "#e5e7eb"
    share = day.posted / day.members
    return f"hsl({round(share * 120)},65%,{round(80 - share * 25)}%)"


def _calendar(team: Team, days: Sequence[DaySummary]) -> str:
    """Month by month, a week per row (Monday first); standup dates link to their page."""
    by_date = {d.date: d for d in days}
    if not days:
        return '<p class="muted">no standup dates in this range</p>'
    first, last = parse_date(days[0].date), parse_date(days[-1].date)
    months, month = [], first.replace(day=1)
    while month <= last:
        nxt = (month + dt.timedelta(days=32)).replace(day=1)
        cells = ['<div class="cal-pad"></div>'] * month.weekday()
        for offset in range((nxt - month).days):
            date = (month + dt.timedelta(days=offset)).isoformat()
            day = by_date.get(date)
            if day is None:
                cells.append(f'<div class="cal-off">{int(date[8:])}</div>')
                continue
            title = (f"{date}: {day.posted} posted, {day.away} away, {day.skipped} skipped, "
                     f"{day.missed} missed, {day.reminders} reminded")
            href = f'/standups/{quote(team.name, safe="")}/{date}'
            cells.append(f'<a class="cal-day" data-date="{date}" href="{escape(href)}" '
                         f'title="{escape(title)}" style="background:{_shade(day)}">'
                         f"{int(date[8:])}<small>{day.posted}/{day.members}</small></a>")
        months.append(f'<div class="cal-month"><h3>{month.strftime("%B %Y")}</h3>'
                      f'<div class="cal-grid">{"".join(cells)}</div></div>')
        month = nxt
    return f'<div class="calendar">{"".join(months)}</div>'


def _first_post_chart(offsets: Sequence[int]) -> str:
    edges = list(range(-SPREAD, SPREAD, BUCKET))
    counts = [0] * len(edges)
    for bucket, count in Counter((minutes + SPREAD) // BUCKET for minutes in offsets).items():
        counts[min(max(bucket, 0), len(edges) - 1)] += count
    labels = [f"{e:+d}" if e else "0" for e in edges]
    # the end bars hold everything beyond ±SPREAD, so no post is left out
    return bar_chart("first-posts", "First posts, minutes after the reminder time", labels,
                     [Series("first posts", counts, POSTED)])


def _tuner(tuning: Tuning) -> str:
    curve = list(reversed(tuning.curve))  # earliest time first, left to right
    marks = {curve.index(tuning.current): ("now", "#b45309")}
    if tuning.recommended is not None:
        marks[curve.index(tuning.recommended)] = ("recommended", "#15803d")
    chart = line_chart("tuner", "Reminders needed per day, had the reminder gone out at",
                       [c.label for c in curve], [c.mean for c in curve], marks)
    if not tuning.days_used:
        verdict = "no standup day in this range can be replayed yet"
    elif tuning.recommended is None:
        verdict = (f"no time keeps within {tuning.target:.1f} reminders/day "
                   f"(now {tuning.current.label}: {tuning.current.mean:.1f}/day)")
    else:
        best = tuning.recommended
        verdict = (f"recommended: {best.label} ({best.minutes_before} min before standup), "
                   f"{best.mean:.1f} reminders/day; now {tuning.current.label}: "
                   f"{tuning.current.mean:.1f}/day")
    unknown = (f"; {tuning.days_unknown} day(s) left out (first post times unknown)"
               if tuning.days_unknown else "")
    return (f'<h2>Reminder time</h2><div class="graph">{chart}</div><p>{escape(verdict)}</p>'
            f'<p class="muted">{tuning.days_used} standup day(s) used{escape(unknown)}. '
            f"Assumption: {escape(ASSUMPTION)}. Same replay as "
            "<code>marvin stats --tune-reminder</code>.</p>")


def _team_page(team: Team, start: str, end: str, members: Sequence[Member],
               days: Sequence[DaySummary], tuning: Tuning, offsets: Sequence[int]) -> str:
    labels = [d.date[5:] for d in days]
    participation = bar_chart("participation", "Participation per standup day", labels, [
        Series("posted", [d.posted for d in days], POSTED),
        Series("away", [d.away for d in days], AWAY),
        Series("skipped", [d.skipped for d in days], SKIPPED),
        Series("missed", [d.missed for d in days], MISSED)])
    reminders = bar_chart("reminders", "Reminders sent per standup day", labels,
                          [Series("reminded", [d.reminders for d in days], REMINDED)])
    base = f'/standups/{quote(team.name, safe="")}'
    return (
        f"<h1>{escape(team.name)}</h1><p class=\"muted\">{escape(start)} to {escape(end)} · "
        f"{len(days)} standup dates · {sum(d.posted for d in days)} posted · "
        f"{sum(1 for m in members if m.is_current)} current members · reminder "
        f"{escape(team.reminder_time)}, standup {escape(team.standup_time)} "
        f"({escape(team.timezone)})</p>"
        f'<form method="get" action="{escape(base)}"><label>since <input name="since" '
        f'value="{escape(start)}"></label> <label>until <input name="until" value="'
        f'{escape(end)}"></label> <button type="submit">show</button></form>'
        f"<h2>Calendar</h2>{_calendar(team, days)}"
        f'<h2>Charts</h2><div class="graph">{participation}</div>'
        f'<div class="graph">{reminders}</div><div class="graph">'
        f"{_first_post_chart(offsets)}</div>{_tuner(tuning)}"
    )


def _render_team(store: Store, team: Team, since: str | None, until: str | None) -> str:
    start, end = _range(team, since, until)
    dates = standup_days(team, start, end)
    now = utc_now()
    members = store.list_members(team.name, include_former=True)
    days = day_summaries(store, team, dates, now, members)
    ended = set(days_over(team, dates, now))
    over = [d for d in days if d.date in ended]
    return _team_page(team, start, end, members, days, tune_summaries(team, over),
                      first_post_offsets(team, over))


def _render_date(store: Store, history: RunHistory, team: Team, date: str) -> str:
    """The date's records in two rounds of concurrent reads (on Firestore each is a round
    trip that mostly waits): the members, time off, updates and deliveries (by id on
    Firestore: `Store.list_date_records`); then the runs that may hold the deliveries'
    claims, started from a day before the first claim to the last (a page never reads the
    years of runs after an old date)."""
    with ThreadPoolExecutor(4, thread_name_prefix="marvin-pages") as reads:
        asked_members = reads.submit(store.list_members, team.name, include_former=True)
        asked_absences = reads.submit(store.absences_from, date)
        updates, deliveries = store.list_date_records(team.name, date)
        asked_runs = []
        if deliveries:
            claims = [d.claimed_at for d in deliveries]
            since, until = min(claims) - dt.timedelta(days=1), max(claims)
            asked_runs = [reads.submit(history.list_flow_runs, flow=flow, since=since,
                                       until=until, limit=RUNS_AROUND_A_DATE)
                          for flow in (REMINDER_FLOW, STANDUP_FLOW)]
        runs = [r for asked in asked_runs for r in asked.result()
                if r.parameters.get("team", DEFAULT_TEAM) == team.name]
        record = DateRecord(team, date, asked_members.result(), updates,
                            deliveries, runs, asked_absences.result())
    return date_page(record)


def standup_routes(store: Store, history: RunHistory, token: str | None,
                   default: Team, *, workspaces: WorkspaceData | None = None) -> list[Route]:
    """GET /standups, /standups/{team}, /standups/{team}/{date}; 404 while `token` is unset.
    `default` is the team Marvin runs with no stored team (from the settings);
    `workspaces`: the store and history of the ``?workspace=`` a request names."""
    pick = WorkspacePick(store, history, workspaces)

    def found(store: Store, request: Request) -> Team | None:
        return _team_or_none(store, default, request.path_params["team"])

    async def answer(render: Callable[[], tuple[str, str] | Response]) -> Response:
        try:
            result = await run_in_threadpool(render)
        except (BadRequest, UnknownWorkspace) as exc:
            return error_page(400, str(exc))
        except StoreError as exc:  # says which store and why; never a traceback
            return error_page(503, f"the store did not answer: {exc}")
        if isinstance(result, Response):
            return result
        title, body = result
        return page(title, body)

    async def teams(request: Request) -> Response:
        def render() -> tuple[str, str]:
            store, _history = pick(request)
            stored = store.list_teams()
            return "Standups", _teams_page(stored or [default])
        return await answer(render)

    async def one_team(request: Request) -> Response:
        def render() -> tuple[str, str] | Response:
            store, _history = pick(request)
            team = found(store, request)
            if team is None:
                return error_page(404, "no such team")
            q = request.query_params
            return team.name, _render_team(store, team, q.get("since"), q.get("until"))
        return await answer(render)

    async def one_date(request: Request) -> Response:
        def render() -> tuple[str, str] | Response:
            store, history = pick(request)
            team = found(store, request)
            if team is None:
                return error_page(404, "no such team")
            date = _date(request.path_params["date"], "date")
            return f"{team.name} {date}", _render_date(store, history, team, date)
        return await answer(render)

    return [
        Route("/standups", guard(token, keep_workspace(teams)), methods=["GET"]),
        Route("/standups/{team}", guard(token, keep_workspace(one_team)), methods=["GET"]),
        Route("/standups/{team}/{date}", guard(token, keep_workspace(one_date)), methods=["GET"]),
    ]
