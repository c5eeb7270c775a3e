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

import json
import logging
from collections.abc import Iterable
from html import escape
from typing import Any, cast
from urllib.parse import parse_qsl, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from marvin.domain.durations import format_duration
from marvin.domain.events import trigger_of
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.engine.graph_svg import STATE_COLORS, graph_states, render_svg
from marvin.store.base import Store
from marvin.store.run_history import RunHistory
from marvin.store.run_records import EventRecord, FlowRunRecord, RunDetail, TaskRunRecord
from marvin.web.page_frame import NOT_TIMED, error_page, guard, page, table, utc_time
from marvin.web.workspace_param import WorkspaceData, WorkspacePick, keep_workspace

__all__ = ["dashboard_routes"]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CHILDREN = 500  # mapped children listed per task; the rest are counted


# Formatting --------------------------------------------------------------------------
def _badge(state: str) -> str:
    cls = f" s-{state}" if state in STATE_COLORS else ""
    return f'<span class="badge{cls}">{escape(state)}</span>'


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


# Pages -------------------------------------------------------------------------------
def _list_page(runs: list[FlowRunRecord], flow: str | None, limit: int) -> str:
    rows = (
        f'<tr><td><a href="/runs?flow={escape(quote(r.flow))}">{escape(r.flow)}</a></td>'
        f"<td>{_badge(r.state)}</td><td>{utc_time(r.started_at)}</td>"
        f'<td class="num">{format_duration(r.started_at, r.ended_at, NOT_TIMED)}</td>'
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
        + table(["Flow", "State", "Started (UTC)", "Duration", "Run", "Triggered by",
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
            f'<td class="num">{format_duration(t.started_at, t.ended_at, NOT_TIMED)}</td></tr>'
        )


def _event_row(e: EventRecord, anchor: dict[str, int]) -> str:
    tid = e.task_run_id
    if tid is not None and tid in anchor:  # "<run id>/<slug>[i]": the slug part reads well
        task = f'<a href="#task-{anchor[tid]}"><code>{escape(tid.split("/", 1)[-1])}</code></a>'
    else:
        task = escape(tid) if tid else '<span class="muted">(flow)</span>'
    return (
        f"<tr><td>{utc_time(e.at, clock=True)}</td><td>{escape(e.system)}</td>"
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
        f"<dt>scheduled</dt><dd>{utc_time(r.scheduled_at)}</dd>"
        f"<dt>started</dt><dd>{utc_time(r.started_at)}</dd><dt>ended</dt><dd>{utc_time(r.ended_at)}"
        f"</dd><dt>duration</dt><dd>{format_duration(r.started_at, r.ended_at, NOT_TIMED)}</dd>"
        f"<dt>version</dt><dd><code>{escape(r.version)}</code></dd>"
        f"<dt>triggered by</dt><dd>{_trigger(r.parameters)}</dd>"
        f"<dt>parameters</dt><dd>{_params(r.parameters)}</dd></dl>"
    )
    graph = f'<h2>Graph</h2><div class="graph">{render_svg(r.graph, states, counts)}</div>'
    task_table = "<h2>Tasks</h2>" + table(
        ["Task", "State", "Message", "Result", "Runs", "Duration"], _task_rows(tasks, anchor),
        "no task runs recorded")
    log_rows = (
        f'<tr{f" id=logs-{anchor[t.id]}" if i == 0 else ""}><td><a href="#task-{anchor[t.id]}">'
        f"<code>{escape(_task_label(t))}</code></a></td><td>{utc_time(log.at, clock=True)}</td>"
        f"<td>{escape(log.level)}</td><td><pre>{escape(log.message)}</pre></td></tr>"
        for t in tasks for i, log in enumerate(t.logs)
    )
    logs = "<h2>Logs</h2>" + table(["Task", "Time (UTC)", "Level", "Message"], log_rows, "no logs")
    event_rows = (_event_row(e, anchor) for e in d.events)
    events = "<h2>Events</h2>" + table(
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


def dashboard_routes(history: RunHistory, token: str | None, *,
                     workspaces: WorkspaceData | None = None) -> list[Route]:
    """GET /runs and GET /runs/{run_id}; disabled (404) while `token` is None or empty.
    `workspaces`: the history of the ``?workspace=`` a request names (OAuth mode)."""
    _redact_access_log()
    pick = WorkspacePick(cast(Store, None), history, workspaces)

    async def run_list(request: Request) -> Response:
        flow = request.query_params.get("flow") or None
        raw = request.query_params.get("limit") or str(DEFAULT_LIMIT)
        limit = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0  # "²"
        if not 1 <= limit <= MAX_LIMIT:
            return error_page(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
        try:
            _store, history = await run_in_threadpool(pick, request)
        except UnknownWorkspace as exc:
            return error_page(400, str(exc))
        runs = await run_in_threadpool(lambda: history.list_flow_runs(flow=flow, limit=limit))
        return page("Runs", _list_page(runs, flow, limit))

    async def run_detail(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        try:
            _store, history = await run_in_threadpool(pick, request)
        except UnknownWorkspace as exc:
            return error_page(400, str(exc))
        try:
            detail = await run_in_threadpool(history.get_run, run_id)
        except ValueError:  # its message names other runs' ids: say only what is wrong
            return error_page(400, f"run id prefix {run_id!r} is too short or matches several "
                          "runs: give more of the id")
        if detail is None:
            return error_page(404, f"no run with id {run_id!r}")
        return page(f"{detail.run.flow} run", _run_page(detail))

    return [
        Route("/runs", guard(token, keep_workspace(run_list)), methods=["GET"]),
        Route("/runs/{run_id}", guard(token, keep_workspace(run_detail)), methods=["GET"]),
    ]
