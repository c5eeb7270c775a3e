"""The read-only runs dashboard: GET /runs (the list) and GET /runs/{id} (one run).

Example::

    routes = dashboard_routes(history, settings.dashboard_token and
                              settings.dashboard_token.get_secret_value())
    app = build_web_app(slack_handler, health, extra_routes=routes)

Server-rendered HTML with inline CSS and an inline SVG graph: no scripts, no external
resources (the Content-Security-Policy forbids both), so it renders offline and an
escaped value can never become markup. Off unless a token is configured; then Basic
auth (any user, the token as password), a Bearer token or ``?token=`` is required.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from html import escape
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from marvin.domain.durations import format_duration
from marvin.domain.events import trigger_of
from marvin.engine.graph_svg import STATE_COLORS, graph_states, render_svg, text_color
from marvin.store.run_history import RunHistory
from marvin.store.run_records import EventRecord, FlowRunRecord, RunDetail, TaskRunRecord

__all__ = ["dashboard_routes"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CHILDREN = 500  # mapped children listed per task; the rest are counted
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a ?token= URL must not leak through links
    "Cache-Control": "no-store",
}
_BADGES = "".join(
    f".s-{name}{{background:{c};color:{text_color(c)}}}" for name, c in STATE_COLORS.items()
)
CSS = (
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
    "color:#111827;background:#f9fafb}header{background:#1f2937;color:#f9fafb;"
    "padding:12px 24px}header a{color:#f9fafb;text-decoration:none;font-weight:600}"
    "main{max-width:1200px;margin:0 auto;padding:16px 24px}h1{font-size:20px;margin:8px 0}"
    "h2{font-size:16px;margin:24px 0 8px}table{border-collapse:collapse;width:100%;"
    "background:#fff;border:1px solid #e5e7eb}th,td{text-align:left;padding:6px 10px;"
    "border-bottom:1px solid #e5e7eb;vertical-align:top}th{background:#f3f4f6;font-size:12px;"
    "text-transform:uppercase;letter-spacing:.03em;color:#4b5563}tr.child td:first-child"
    "{padding-left:32px;color:#4b5563}td.num{text-align:right;font-variant-numeric:"
    "tabular-nums}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}"
    ".badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;"
    "font-weight:600;background:#9ca3af;color:#111827}.muted{color:#6b7280}"
    ".wrap{overflow-wrap:anywhere;max-width:380px}dl{display:grid;grid-template-columns:"
    "max-content 1fr;gap:4px 16px;background:#fff;border:1px solid #e5e7eb;padding:12px 16px}"
    "dt{color:#6b7280}dd{margin:0}.graph{background:#fff;border:1px solid #e5e7eb;"
    "padding:8px;overflow-x:auto;text-align:center}.graph svg{max-width:100%;height:auto}"
    "form{margin:8px 0 12px}"
    "input{font:inherit;padding:3px 6px}pre{margin:0;white-space:pre-wrap}"
    "a{color:#1d4ed8}" + _BADGES
)

Handler = Callable[[Request], Awaitable[Response]]


def _page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None,
          ) -> HTMLResponse:
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f' · Marvin</title><meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<style>{CSS}</style></head><body><header><a href="/runs">Marvin · runs</a></header>'
        f"<main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status, headers={**HEADERS, **(headers or {})})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    return _page(str(status), f"<h1>{status}</h1><p>{escape(message)}</p>", status, headers)


def _authorized(request: Request, token: bytes) -> bool:
    """Basic (password), Bearer or ?token=; each compared in constant time."""
    offered: list[str] = []
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        offered.append(value.strip())
    elif scheme.lower() == "basic":
        try:
            offered.append(base64.b64decode(value.strip(), validate=True).decode().partition(
                ":")[2])
        except (binascii.Error, UnicodeDecodeError):
            pass
    if "token" in request.query_params:
        offered.append(request.query_params["token"])
    return any(hmac.compare_digest(o.encode(), token) for o in offered)


def _guard(token: str | None, handler: Handler) -> Handler:
    secret = token.encode() if token and token.strip() else None  # "" must not open it

    async def guarded(request: Request) -> Response:
        if secret is None:
            return _error(404, "dashboard disabled: set MARVIN_DASHBOARD_TOKEN")
        if not _authorized(request, secret):
            return _error(401, "authentication required: the dashboard token as the "
                          "Basic auth password, a Bearer token or ?token=",
                          {"WWW-Authenticate": 'Basic realm="Marvin"'})
        return await handler(request)

    return guarded


# Formatting --------------------------------------------------------------------------
def _badge(state: str) -> str:
    cls = f" s-{state}" if state in STATE_COLORS else ""
    return f'<span class="badge{cls}">{escape(state)}</span>'


_NOT_TIMED = '<span class="muted">—</span>'  # not started, or still running


def _time(at: dt.datetime | None, clock: bool = False) -> str:
    """UTC date and time, or (`clock`) the time of day to the millisecond."""
    if at is None:
        return _NOT_TIMED
    at = at.astimezone(dt.UTC)
    if clock:
        return at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _value(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)


def _params(params: dict[str, Any]) -> str:
    return " ".join(
        f"<code>{escape(str(k))}={escape(_value(v))}</code>" for k, v in params.items()
    ) or '<span class="muted">—</span>'


def _trigger(params: dict[str, Any]) -> str:
    """The event that started an automation's run; a dash for a scheduled or manual run."""
    trigger = trigger_of(params)
    return f"<code>{escape(trigger)}</code>" if trigger else '<span class="muted">—</span>'


def _table(heads: Iterable[str], rows: Iterable[str], empty: str) -> str:
    body = "".join(rows)
    if not body:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# Pages -------------------------------------------------------------------------------
def _list_page(runs: list[FlowRunRecord], flow: str | None, limit: int) -> str:
    rows = (
        f'<tr><td><a href="/runs?flow={escape(quote(r.flow))}">{escape(r.flow)}</a></td>'
        f"<td>{_badge(r.state)}</td><td>{_time(r.started_at)}</td>"
        f'<td class="num">{format_duration(r.started_at, r.ended_at, _NOT_TIMED)}</td>'
        f'<td><a class="mono" href="/runs/{escape(quote(r.id, safe=""))}">{escape(r.id[:12])}</a>'
        "</td>"
        f'<td class="wrap">{_trigger(r.parameters)}</td>'
        f'<td class="wrap">{_params(r.parameters)}</td></tr>'
        for r in runs
    )
    shown = f' of flow <code>{escape(flow)}</code> · <a href="/runs">all flows</a>' if flow else ""
    return (
        f"<h1>Runs</h1><p class=\"muted\">newest first, at most {limit}{shown} · times in UTC</p>"
        f'<form method="get" action="/runs"><label>flow <input name="flow" value="'
        f'{escape(flow or "")}"></label> <label>limit <input name="limit" type="number" min="1"'
        f' max="{MAX_LIMIT}" value="{limit}"></label> <button type="submit">filter</button></form>'
        + _table(["Flow", "State", "Started (UTC)", "Duration", "Run", "Triggered by",
                  "Parameters"], rows, "no runs recorded yet")
    )


def _task_label(t: TaskRunRecord) -> str:
    return t.task if t.map_index is None else f"{t.task}[{t.map_index}]"


def _graph_states(tasks: list[TaskRunRecord]) -> tuple[dict[str, str], dict[str, int]]:
    return graph_states((t.task, t.map_index, t.state) for t in tasks)


def _task_rows(tasks: list[TaskRunRecord], anchor: dict[str, int]) -> Iterable[str]:
    shown: dict[str, int] = {}
    for t in tasks:
        if t.parent_id is not None:
            shown[t.parent_id] = shown.get(t.parent_id, 0) + 1
            if shown[t.parent_id] > MAX_CHILDREN:
                if shown[t.parent_id] == MAX_CHILDREN + 1:
                    more = sum(1 for c in tasks if c.parent_id == t.parent_id) - MAX_CHILDREN
                    yield f'<tr class="child"><td colspan="6" class="muted">… {more} more</td></tr>'
                continue
        logs = f' · <a href="#logs-{anchor[t.id]}">{len(t.logs)} log</a>' if t.logs else ""
        yield (
            f'<tr id="task-{anchor[t.id]}"{" class=child" if t.parent_id else ""}>'
            f"<td><code>{escape(_task_label(t))}</code>{logs}</td><td>{_badge(t.state)}</td>"
            f'<td class="wrap">{escape(t.message)}</td><td class="wrap"><code>{escape(t.result)}'
            f'</code></td><td class="num">{t.run_count}</td>'
            f'<td class="num">{format_duration(t.started_at, t.ended_at, _NOT_TIMED)}</td></tr>'
        )


def _event_row(e: EventRecord, anchor: dict[str, int]) -> str:
    tid = e.task_run_id
    if tid is not None and tid in anchor:  # "<run id>/<slug>[i]": the slug part reads well
        task = f'<a href="#task-{anchor[tid]}"><code>{escape(tid.split("/", 1)[-1])}</code></a>'
    else:
        task = escape(tid) if tid else '<span class="muted">(flow)</span>'
    return (
        f"<tr><td>{_time(e.at, clock=True)}</td><td>{escape(e.system)}</td>"
        f'<td><code>{escape(e.method)}</code></td><td class="wrap">{escape(e.target)}</td>'
        f'<td>{escape(e.outcome)}</td><td class="num">{e.duration_ms:.1f}</td><td>{task}</td></tr>'
    )


def _run_page(d: RunDetail) -> str:
    r, tasks = d.run, d.task_runs
    anchor = {t.id: i for i, t in enumerate(tasks)}
    states, counts = _graph_states(tasks)
    head = (
        f"<h1>{escape(r.flow)} {_badge(r.state)}</h1><dl>"
        f"<dt>run</dt><dd><code>{escape(r.id)}</code></dd>"
        f"<dt>message</dt><dd>{escape(r.message) or '<span class=muted>—</span>'}</dd>"
        f"<dt>scheduled</dt><dd>{_time(r.scheduled_at)}</dd>"
        f"<dt>started</dt><dd>{_time(r.started_at)}</dd><dt>ended</dt><dd>{_time(r.ended_at)}"
        f"</dd><dt>duration</dt><dd>{format_duration(r.started_at, r.ended_at, _NOT_TIMED)}</dd>"
        f"<dt>version</dt><dd><code>{escape(r.version)}</code></dd>"
        f"<dt>triggered by</dt><dd>{_trigger(r.parameters)}</dd>"
        f"<dt>parameters</dt><dd>{_params(r.parameters)}</dd></dl>"
    )
    graph = f'<h2>Graph</h2><div class="graph">{render_svg(r.graph, states, counts)}</div>'
    task_table = "<h2>Tasks</h2>" + _table(
        ["Task", "State", "Message", "Result", "Runs", "Duration"], _task_rows(tasks, anchor),
        "no task runs recorded")
    log_rows = (
        f'<tr{f" id=logs-{anchor[t.id]}" if i == 0 else ""}><td><a href="#task-{anchor[t.id]}">'
        f"<code>{escape(_task_label(t))}</code></a></td><td>{_time(log.at, clock=True)}</td>"
        f"<td>{escape(log.level)}</td><td><pre>{escape(log.message)}</pre></td></tr>"
        for t in tasks for i, log in enumerate(t.logs)
    )
    logs = "<h2>Logs</h2>" + _table(["Task", "Time (UTC)", "Level", "Message"], log_rows, "no logs")
    event_rows = (_event_row(e, anchor) for e in d.events)
    events = "<h2>Events</h2>" + _table(
        ["Time (UTC)", "System", "Method", "Target", "Outcome", "ms", "Task"], event_rows,
        "no external calls recorded")
    return head + graph + task_table + logs + events


def _without_token(path: str) -> str:
    """The request path with the value of any query parameter named ``token`` (however
    it is percent-encoded: ``tok%65n`` is ``token`` to Starlette too) blanked."""
    base, mark, query = path.partition("?")
    if not mark:
        return path
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(key == "token" for key, _ in pairs):
        return path
    return base + "?" + urlencode(
        [(key, "[redacted]" if key == "token" else value) for key, value in pairs]
    )


class RedactQueryTokens(logging.Filter):
    """Blanks ``?token=...`` (the dashboard's script access) in uvicorn's access log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _without_token(a) if isinstance(a, str) and "?" in a else a for a in record.args
            )
        return True


def _redact_access_log() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryTokens) for f in access.filters):
        access.addFilter(RedactQueryTokens())  # kept by uvicorn's own logging set-up


def dashboard_routes(history: RunHistory, token: str | None) -> list[Route]:
    """GET /runs and GET /runs/{run_id}; disabled (404) while `token` is None or empty."""
    _redact_access_log()

    async def run_list(request: Request) -> Response:
        flow = request.query_params.get("flow") or None
        raw = request.query_params.get("limit") or str(DEFAULT_LIMIT)
        limit = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0  # "²"
        if not 1 <= limit <= MAX_LIMIT:
            return _error(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
        runs = await run_in_threadpool(lambda: history.list_flow_runs(flow=flow, limit=limit))
        return _page("Runs", _list_page(runs, flow, limit))

    async def run_detail(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            detail = await run_in_threadpool(history.get_run, run_id)
        except ValueError:  # its message names other runs' ids: say only what is wrong
            return _error(400, f"run id prefix {run_id!r} is too short or matches several "
                          "runs: give more of the id")
        if detail is None:
            return _error(404, f"no run with id {run_id!r}")
        return _page(f"{detail.run.flow} run", _run_page(detail))

    return [
        Route("/runs", _guard(token, run_list), methods=["GET"]),
        Route("/runs/{run_id}", _guard(token, run_detail), methods=["GET"]),
    ]
