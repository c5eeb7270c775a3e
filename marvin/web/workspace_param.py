"""`?workspace=`: which installed workspace a dashboard page or the JSON API reads.

In OAuth mode a page names one of the installed workspaces by key, and may leave it out
when there is only one (`Marvin.choose`, the rule `--workspace` follows too); in
single-token mode there is one implicit workspace and the parameter is refused. Either
way a bad value is a 400 that says what to do, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from marvin.app import Marvin
from marvin.domain.workspace_choice import UnknownWorkspace
from marvin.store.base import Store
from marvin.store.run_history import RunHistory

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
