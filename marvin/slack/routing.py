"""Which workspace's store and Slack token a Slack request uses: the request's own.

Every listener takes one `Store` and one set of Slack clients; `build_app` hands them a
`RoutedStore` and `Routed` clients, which send each call to the store (in OAuth mode, a
namespace per workspace; in single-token mode, the one store) and the client with the bot
token of the workspace of the request being handled. The workspace comes from
Bolt's context (team_id, enterprise_id, is_enterprise_install), read by a middleware
before any listener runs and kept in a context variable of the thread handling the
request, so the listeners stay as they are and cannot pick another workspace's store.
The same middleware keeps the token Bolt authorized the request with (in OAuth mode
read from the installation for this very request, so a reinstall's new token is the
one the listeners use at once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from slack_bolt import App

from marvin.domain.workspace import Workspace
from marvin.store.base import Store

T = TypeVar("T")
StoreResolver = Callable[[Workspace | None], Store]
"""The store of a workspace (None: single-token mode's one workspace, or a request that
names none)."""

_request_workspace: ContextVar[Workspace | None] = ContextVar(
    "marvin_request_workspace", default=None)
_request_token: ContextVar[str] = ContextVar("marvin_request_token", default="")


def request_workspace() -> Workspace | None:
    """The workspace of the Slack request this thread is handling, if any."""
    return _request_workspace.get()


def request_token() -> str:
    """The bot token Bolt's OAuth authorization found for the Slack request this thread
    is handling; "" when none (no request, or a single-token app)."""
    return _request_token.get()


def workspace_of(context: Mapping[str, Any]) -> Workspace | None:
    """The workspace a request comes from, by Bolt's context: the organisation for an
    org-wide (Grid) install, else the team; None when the request names neither (or
    names them in a shape Slack never sends)."""
    team_id, enterprise_id = context.get("team_id"), context.get("enterprise_id")
    try:
        if context.get("is_enterprise_install") and enterprise_id:
            return Workspace(None, enterprise_id=enterprise_id)
        if team_id:
            return Workspace(team_id, enterprise_id or None)
    except ValueError:
        return None
    return None


class Routed(Generic[T]):
    """Any object per workspace (a store, a Slack client with the workspace's token),
    each call going to the one of the request's workspace."""

    def __init__(self, resolve: Callable[[Workspace | None], T]) -> None:
        self._resolve = resolve

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resolve(_request_workspace.get()), name)


class RoutedStore(Routed[Store]):
    """A `Store` whose every call goes to the store of the request's workspace."""

    def close(self) -> None:
        """Nothing to close: the stores belong to whoever resolves them."""


class PerToken(Generic[T]):
    """One `make(token)` per workspace, kept while its token stays the same: the Slack
    clients of the request's workspace (its bot token from `tokens`); a workspace whose
    token changed (reinstalled) gets a new one, and the old one is let go."""

    def __init__(self, tokens: Callable[[Workspace | None], str],
                 make: Callable[[str], T]) -> None:
        self._tokens, self._make = tokens, make
        self._made: dict[str, tuple[str, T]] = {}  # by workspace key: (token, made)
        self._lock = threading.Lock()

    def __call__(self, workspace: Workspace | None) -> T:
        token = self._tokens(workspace)
        key = "" if workspace is None else workspace.key
        with self._lock:
            kept = self._made.get(key)
            if kept is None or kept[0] != token:
                kept = self._made[key] = (token, self._make(token))
            return kept[1]


def register_routing(app: App) -> None:
    """Note each request's workspace before its listener runs. Register first.

    Bolt runs its middleware one after another and the listener after the last, all on
    the thread handling the request, so the values are set, not scoped: each request
    sets them afresh before anything of it reads them."""

    # only an OAuth app's authorization reads the request's workspace's token: a
    # single-token app's is its one token, whichever workspace a request names
    per_workspace = app.oauth_flow is not None

    @app.middleware
    def route_to_workspace(context: Any, next: Callable[[], None]) -> None:
        _request_workspace.set(workspace_of(context))
        _request_token.set(str(context.get("token") or "") if per_workspace else "")
        next()
