"""Whose data a store holds: one namespace per Slack workspace, and the unscoped one.

Every record (teams, members, updates, deliveries, slot claims, runs...) lives in one
namespace, so two workspaces with a team ``default`` and the same user ids never see
each other's data. The unscoped namespace is exactly what single-token mode always used
(the configured SQLite file, Firestore's top-level collections), so existing data keeps
working untouched. When Marvin is first installed with OAuth, the first installed
workspace adopts that data: a record in the unscoped namespace names it, and from then on
opening that workspace opens the unscoped namespace. Every other workspace gets a fresh
namespace: on SQLite a database file beside the configured one (``marvin.db`` ->
``marvin.T0123ABCD.db``: full isolation, nothing to filter), on Firestore the same
collections under ``workspaces/{key}/``.

Example:
    >>> namespaced_path("/var/lib/marvin.db", Workspace("T0123ABCD"))
    '/var/lib/marvin.T0123ABCD.db'
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import TYPE_CHECKING

from marvin.domain.workspace import Workspace

if TYPE_CHECKING:
    from marvin.store.base import Store

ADOPTION = "marvin:namespaces/unscoped-data-adopted-by"
"""Where the unscoped namespace records which workspace adopted it (a task-result
location: a key/value record both stores keep, in the unscoped namespace only)."""
IN_MEMORY = ":memory:"


def namespaced_path(path: str, workspace: Workspace | None) -> str:
    """The SQLite file of `workspace`'s namespace: the configured file for None, else one
    beside it named by the workspace's key (a private database for ``:memory:``)."""
    if workspace is None or path == IN_MEMORY:
        return path
    pure = PurePath(path)
    return str(pure.with_name(f"{pure.stem}.{workspace.key}{pure.suffix}"))


def adopted_by(unscoped: Store) -> Workspace | None:
    """The workspace that adopted the unscoped namespace's data, if one did yet."""
    data = unscoped.load_result(ADOPTION)
    if data is None:
        return None
    kept = json.loads(data)
    return Workspace(kept.get("team_id"), kept.get("enterprise_id"))


def adopt(unscoped: Store, first: Workspace) -> Workspace:
    """Record `first` as the adopter of the unscoped data unless one is recorded; the
    adopter. Every process passes the same `first` (the oldest installation), so two
    processes racing here write the same record."""
    current = adopted_by(unscoped)
    if current is not None:
        return current
    record = {"team_id": first.team_id, "enterprise_id": first.enterprise_id}
    unscoped.save_result(ADOPTION, json.dumps(record).encode())
    return first
