"""`GET /api/teams/{team}/updates?since=&until=`: the export as JSON, streamed, behind
the dashboard token (as /runs).

The body is a JSON array written row by row (the same rows as `marvin export --format
jsonl`), so a long history takes constant memory. Everything is checked, and the first
rows read, before the status line is sent: a bad parameter is a 400 that says what is
wrong, an unknown team a 404, a store that does not answer a 503; never a 500.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import cast

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from marvin.domain.clock import utc_now
from marvin.domain.names import check_team_name
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.reports.export import export_lines
from marvin.settings import Settings
from marvin.store.base import Store, StoreError
from marvin.store.run_history import RunHistory
from marvin.store.teams import UnknownTeamError, resolve_team
from marvin.web.page_frame import HEADERS, guard
from marvin.web.workspace_param import PARAM, WorkspaceData, WorkspacePick

log = logging.getLogger(__name__)


def api_routes(store: Store, settings: Settings, token: str | None, *,
               workspaces: WorkspaceData | None = None) -> list[Route]:
    """The JSON API's routes; disabled (404) while `token` is None or empty. `workspaces`:
    the store of the ``?workspace=`` a request names (OAuth mode)."""
    pick = WorkspacePick(store, cast(RunHistory, None), workspaces)

    async def team_updates(request: Request) -> Response:
        params = request.query_params
        unknown = sorted(set(params) - {"since", "until", "token", PARAM})
        if unknown:
            return _problem(400, f"unknown parameter {unknown[0]!r}: expected since, until "
                                 "(YYYY-MM-DD), workspace")
        try:
            check_team_name(request.path_params["team"])
            store, _history = await run_in_threadpool(pick, request)
            first, rows = await run_in_threadpool(
                _start, store, settings, request.path_params["team"],
                params.get("since") or None, params.get("until") or None)
        except UnknownTeamError as exc:
            return _problem(404, str(exc))
        except UnknownWorkspace as exc:
            return _problem(400, str(exc))
        except ValueError as exc:
            return _problem(400, str(exc))
        except StoreError as exc:
            log.warning("export of %r failed: %s", request.path_params["team"], exc)
            return _problem(503, "the store did not answer; try again in a minute")
        return StreamingResponse(_array(first, rows), media_type="application/json",
                                 headers=HEADERS)

    return [Route("/api/teams/{team}/updates", guard(token, team_updates), methods=["GET"])]


def _start(store: Store, settings: Settings, name: str, since: str | None,
           until: str | None) -> tuple[list[str], Iterator[str]]:
    """The team checked and the first rows read (errors surface here, before any byte
    is sent), then the rest to stream."""
    team = resolve_team(store, settings, name)
    lines = export_lines(store, team, "jsonl", since=since, until=until, now=utc_now())
    return list(itertools.islice(lines, 1)), lines


def _array(first: list[str], rest: Iterator[str]) -> Iterator[str]:
    """The rows as one JSON array, one row per line. A failure after the first bytes can
    no longer change the status: the array is left unclosed, so a client's parser fails
    rather than taking a cut export for a whole one."""
    yield "["
    separator = "\n"
    try:
        for line in itertools.chain(first, rest):
            yield separator + line.rstrip("\n")
            separator = ",\n"
    except StoreError as exc:
        log.warning("export stream cut short: %s", exc)
        return
    yield "\n]\n"


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers=HEADERS)
