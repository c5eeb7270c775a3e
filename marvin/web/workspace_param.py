"""`?workspace=`: which installed workspace a dashboard page or the JSON API reads.

In OAuth mode a page names one of the installed workspaces by key, and may leave it out
when there is only one (`Marvin.choose`, the rule `--workspace` follows too); in
single-token mode there is one implicit workspace and the parameter is refused. Either
way a bad value is a 400 that says what to do, never a 500.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from marvin.app import Marvin
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.store.base import Store
from marvin.store.run_history import RunHistory
from marvin.web.page_frame import Handler

PARAM = "workspace"
WorkspaceData = Callable[[str | None], tuple[Store, RunHistory]]
"""A workspace's store and history by the key a request gives (None: none given);
raises `UnknownWorkspace`."""


@dataclass(frozen=True)
class WorkspacePick:
    """The store and history a request reads: those of its ``?workspace=``, or the ones
    given when the routes serve one workspace (`workspaces` None)."""

    store: Store
    history: RunHistory
    workspaces: WorkspaceData | None = None

    def __call__(self, request: Request) -> tuple[Store, RunHistory]:
        """Raises `UnknownWorkspace` with the message for a 400."""
        given = request.query_params.get(PARAM) or None
        if self.workspaces is not None:
            return self.workspaces(given)
        if given is not None:
            raise UnknownWorkspace("this Marvin serves one workspace and takes no workspace "
                                   "parameter")
        return self.store, self.history


def workspace_data(marvin: Marvin) -> WorkspaceData | None:
    """The pages' `WorkspaceData` in OAuth mode; None in single-token mode (one store)."""
    if marvin.installed is None:
        return None

    def of(given: str | None) -> tuple[Store, RunHistory]:
        mine = marvin.of(marvin.choose(given))
        return mine.store, mine.history

    return of


_KEY = re.compile(r"[TE][A-Z0-9]{2,}")  # a team or enterprise id: nothing to escape
_PAGE_LINK = re.compile(r'href="(/(?:runs|standups)[^"#]*)')
_GET_FORM = re.compile(r'<form method="get"[^>]*>')


def keep_workspace(handler: Handler) -> Handler:
    """`handler`, whose page's links to other pages and forms stay in the workspace the
    page was asked for (``?workspace=`` added), so a click never lands on a 400."""

    async def kept(request: Request) -> Response:
        response = await handler(request)
        key = request.query_params.get(PARAM, "")
        if not _KEY.fullmatch(key) or not isinstance(response, HTMLResponse):
            return response
        html = bytes(response.body).decode()
        html = _PAGE_LINK.sub(
            lambda m: f'href="{m[1]}{"&amp;" if "?" in m[1] else "?"}{PARAM}={key}', html)
        html = _GET_FORM.sub(
            lambda m: f'{m[0]}<input type="hidden" name="{PARAM}" value="{key}">', html)
        headers = {k: v for k, v in response.headers.items()
                   if k not in ("content-length", "content-type")}
        return HTMLResponse(html, response.status_code, headers=headers)

    return kept
