"""Workspace namespaces on both stores: each workspace's data is invisible to the others,
and the single-token data is adopted by the first installed workspace, once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import Absence, DeliveryKind, Member, SlotClaim, Team
from marvin.domain.workspace import Workspace
from marvin.store import Store, adopt_unscoped_data, open_history, open_store
from marvin.store.namespaces import namespaced_path
from marvin.store.run_history import FlowRunRecord, RunHistory

A, B = Workspace("TAAAA1"), Workspace("TBBBB2")
DAY = "2026-03-02"
NEXT_DAY = "2026-03-03"
T0 = dt.datetime(2026, 3, 2, 8, 15, tzinfo=dt.UTC)
REMIND_U1 = DeliveryKey(DeliveryKind.REMINDER, "default", DAY, "U1")
RUN = FlowRunRecord(
    id="run-0001-aaaa", flow="reminder", version="1", parameters={"team": "default"},
    state="Success", message="", scheduled_at=T0, started_at=T0, ended_at=T0, graph={},
)


@pytest.fixture(params=["sqlite", "firestore"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str | None]:
    """(store URL, project) of an empty store on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'marvin.db'}", None
    return "firestore", request.getfixturevalue("firestore_project")


@pytest.fixture
def opened(place: tuple[str, str | None]) -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def open_in(place: tuple[str, str | None], opened: ExitStack,
            workspace: Workspace | None) -> tuple[Store, RunHistory]:
    """The store and the run history of `workspace`'s namespace, closed after the test."""
    url, project = place
    store = open_store(url, project=project, workspace=workspace)
    opened.callback(store.close)
    history = open_history(url, project=project, workspace=workspace)
    opened.callback(history.close)
    return store, history


def write_everything(store: Store, history: RunHistory) -> None:
    """A team `default`, an update of U1, a reminder claimed, a slot claimed, a run, and
    U1's time off the next day (which marks that day's summary stale)."""
    store.save_team(Team("default", channel="#standup"))
    store.save_member(Member("U1", "default"))
    store.save_absence(Absence("U1", NEXT_DAY, NEXT_DAY))
    store.append_update("default", DAY, "U1", "did things", T0)
    assert store.claim_delivery(REMIND_U1, T0)
    assert store.swap_slot_claim(None, SlotClaim("reminder:default", T0, "me", T0))
    history.save_flow_run(RUN)


def sees_everything(store: Store, history: RunHistory) -> bool:
    seen = [
        store.get_team("default") is not None,
        store.get_update("default", DAY, "U1") is not None,
        bool(store.list_deliveries("default", DAY)),
        store.get_slot_claim("reminder:default") is not None,
        history.get_run(RUN.id) is not None,
        bool(store.list_day_summaries("default", NEXT_DAY, NEXT_DAY)),
    ]
    assert len(set(seen)) == 1, f"a namespace half visible: {seen}"
    return seen[0]


def test_writes_in_one_workspace_are_invisible_in_another(
    place: tuple[str, str | None], opened: ExitStack,
) -> None:
    a, b, unscoped = (open_in(place, opened, w) for w in (A, B, None))
    write_everything(*a)
    assert sees_everything(*a)
    assert not sees_everything(*b)
    assert not sees_everything(*unscoped)
    # the same keys in B are B's own: its claim is not taken by A's
    write_everything(*b)
    assert b[0].get_update("default", DAY, "U1").entries == a[0].get_update(  # type: ignore[union-attr]
        "default", DAY, "U1").entries  # type: ignore[union-attr]
    b[0].append_update("default", DAY, "U1", "only in B", T0)
    assert len(b[0].get_update("default", DAY, "U1").entries) == 2  # type: ignore[union-attr]
    assert len(a[0].get_update("default", DAY, "U1").entries) == 1  # type: ignore[union-attr]
    assert [t.name for t in a[0].list_teams()] == ["default"]


def test_the_first_installed_workspace_adopts_the_single_token_data_once(
    place: tuple[str, str | None], opened: ExitStack,
) -> None:
    url, project = place
    write_everything(*open_in(place, opened, None))
    assert not sees_everything(*open_in(place, opened, A))

    assert adopt_unscoped_data(url, project=project, first=A) == A
    assert sees_everything(*open_in(place, opened, A))
    assert not sees_everything(*open_in(place, opened, B))
    # a later call (B installed first in some other order, say) changes nothing
    assert adopt_unscoped_data(url, project=project, first=B) == A
    assert sees_everything(*open_in(place, opened, A))
    assert not sees_everything(*open_in(place, opened, B))
    # what A writes now is in the single-token data, which single-token mode still reads
    open_in(place, opened, A)[0].save_team(Team("ops"))
    assert open_in(place, opened, None)[0].get_team("ops") is not None


def test_an_org_wide_install_is_named_by_its_enterprise(
    place: tuple[str, str | None], opened: ExitStack,
) -> None:
    url, project = place
    grid = Workspace(None, enterprise_id="EGRID1")
    assert adopt_unscoped_data(url, project=project, first=grid) == grid
    open_in(place, opened, None)[0].save_team(Team("org"))
    assert open_in(place, opened, grid)[0].get_team("org") is not None


def test_sqlite_namespaces_are_files_beside_the_configured_one() -> None:
    assert namespaced_path("/var/lib/marvin.db", A) == "/var/lib/marvin.TAAAA1.db"
    assert namespaced_path("marvin", A) == "marvin.TAAAA1"
    assert namespaced_path("/var/lib/marvin.db", None) == "/var/lib/marvin.db"
    assert namespaced_path(":memory:", A) == ":memory:"
