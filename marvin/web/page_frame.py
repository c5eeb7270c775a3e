"""The dashboard's HTML frame, shared by every page under /runs and /standups: the page
shell with its inline CSS and security headers, error pages, the token guard, and small
formatting helpers.

Example::

    Route("/runs", guard(token, handler))  # handler returns page("Runs", body)

No scripts and no external resources (the Content-Security-Policy forbids both), so a page
renders offline and an escaped value can never become markup.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
from collections.abc import Awaitable, Callable, Iterable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from marvin.engine.graph_svg import STATE_COLORS, text_color

Handler = Callable[[Request], Awaitable[Response]]

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
    "a{color:#1d4ed8}header a+a{margin-left:16px}"
    ".calendar{display:flex;flex-wrap:wrap;gap:16px}.cal-month h3{font-size:13px;margin:4px 0}"
    ".cal-grid{display:grid;grid-template-columns:repeat(7,40px);gap:3px}"
    ".cal-day,.cal-off,.cal-pad{height:36px;border-radius:4px;font-size:12px;text-align:center;"
    "line-height:1.2;padding-top:3px;box-sizing:border-box}.cal-day{color:#111827;"
    "text-decoration:none;border:1px solid #d1d5db}.cal-day small{display:block;font-size:10px}"
    ".cal-off{color:#9ca3af;background:#f3f4f6}.digest{background:#fff;border:1px solid "
    "#e5e7eb;padding:8px 16px;margin:8px 0}.digest h3{font-size:15px;margin:6px 0}"
    "pre.msg{font:inherit;margin:6px 0}" + _BADGES
)


def page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None,
         ) -> HTMLResponse:
    """A whole dashboard page around `body` (trusted HTML: escape what goes in it)."""
    html = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f' · Marvin</title><meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<style>{CSS}</style></head><body><header><a href="/runs">Marvin · runs</a>'
        '<a href="/standups">standups</a></header>'
        f"<main>{body}</main></body></html>"
    )
    return HTMLResponse(html, status, headers={**HEADERS, **(headers or {})})


def error_page(status: int, message: str, headers: dict[str, str] | None = None) -> HTMLResponse:
    return page(str(status), f"<h1>{status}</h1><p>{escape(message)}</p>", status, headers)


def authorized(request: Request, token: bytes) -> bool:
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


def guard(token: str | None, handler: Handler) -> Handler:
    secret = token.encode() if token and token.strip() else None  # "" must not open it

    async def guarded(request: Request) -> Response:
        if secret is None:
            return error_page(404, "dashboard disabled: set MARVIN_DASHBOARD_TOKEN")
        if not authorized(request, secret):
            return error_page(401, "authentication required: the dashboard token as the "
                              "Basic auth password, a Bearer token or ?token=",
                              {"WWW-Authenticate": 'Basic realm="Marvin"'})
        return await handler(request)

    return guarded


# Formatting ------------------------------------------------------------------------------
NOT_TIMED = '<span class="muted">—</span>'  # not started, or still running


def utc_time(at: dt.datetime | None, clock: bool = False) -> str:
    """UTC date and time, or (`clock`) the time of day to the millisecond."""
    if at is None:
        return NOT_TIMED
    at = at.astimezone(dt.UTC)
    if clock:
        return at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return at.strftime("%Y-%m-%d %H:%M:%S")


def table(heads: Iterable[str], rows: Iterable[str], empty: str) -> str:
    """An HTML table of pre-rendered rows, or `empty` (escaped) when there are none."""
    body = "".join(rows)
    if not body:
        return f'<p class="muted">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


