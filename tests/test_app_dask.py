"""MARVIN_EXECUTOR=dask for `marvin run` and `marvin serve`: Marvin's own flows, end to end,
on a Dask cluster whose workers build their services from the run's settings.

`marvin serve`'s scheduled runs go through `Marvin.scheduler` (what serve starts), here
caught up at a fixed time; `marvin run` is the console script, once on the module's
cluster (MARVIN_DASK_ADDRESS) and once on a LocalCluster of its own. The workers' stores
are closed when their cluster closes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from flows.worker_services import services_opened_here
from marvin.app import open_marvin, run_flow
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.domain.workspace import Workspace
from marvin.engine.dask_executor import DaskExecutor
from marvin.store import open_history
from marvin.store.installations import InstallationRecord
from marvin.testing.slack_api import SlackStandIn
from tests.cli.harness import Cli
from tests.flows.conftest import FixedClock, make_settings

MEMBERS = ("U4001", "U4002", "U4003")
BEFORE_STANDUP = dt.datetime(2026, 6, 8, 8, 40, tzinfo=dt.UTC)  # a Monday: the reminder is due
AFTER_STANDUP = dt.datetime(2026, 6, 8, 9, 5, tzinfo=dt.UTC)  # and now the standup


@pytest.fixture(scope="module")
def dask_executor() -> Iterator[DaskExecutor]:
    with DaskExecutor(n_workers=2, processes=True, threads_per_worker=1) as executor:
        yield executor


def test_serves_scheduled_runs_on_dask(
    tmp_path: Path, standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    address = dask_executor.client.scheduler.address
    settings = make_settings(standin.url, store=f"sqlite:///{tmp_path / 'marvin.db'}",
                             executor="dask", dask_address=address)
    clock = FixedClock(BEFORE_STANDUP)
    with open_marvin(settings, now=clock) as marvin:
        for user in MEMBERS:
            marvin.store.save_member(Member(user_id=user, team=DEFAULT_TEAM))
        scheduler = marvin.scheduler()

        ran = scheduler.catch_up()  # what `marvin serve` does when it starts
        clock.at = AFTER_STANDUP
        ran += scheduler.catch_up()

        assert [flow for flow, _ in ran] == ["reminder", "standup"]
        runs = marvin.history.list_flow_runs()
    assert sorted((r.flow, r.state) for r in runs) == [
        ("reminder", "Success"), ("standup", "Success")
    ]
    assert Counter(str(m["channel"]) for m in standin.posted_messages()) == Counter(
        {**{f"D{user}": 1 for user in MEMBERS}, standin.world.channel_id("#general"): 1}
    )


@pytest.mark.parametrize("cluster", ["address", "local"])
def test_marvin_run_runs_the_reminder_on_dask(
    tmp_path: Path, standin: SlackStandIn, dask_executor: DaskExecutor, cluster: str
) -> None:
    cli = Cli(tmp_path)
    cli.add_members(*MEMBERS)
    where = {"MARVIN_DASK_ADDRESS": dask_executor.client.scheduler.address} \
        if cluster == "address" else {}

    result = cli("run", "reminder", "--date", "2026-11-23", SLACK_API_URL=standin.url,
                 MARVIN_EXECUTOR="dask", **where)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "flow run: Success" in result.stdout
    assert Counter(str(m["channel"]) for m in standin.posted_messages()) == Counter(
        {f"D{user}": 1 for user in MEMBERS}
    )
    history = open_history(f"sqlite:///{cli.db}")
    try:
        [run] = history.list_flow_runs()
        detail = history.get_run(run.id)
    finally:
        history.close()
    assert detail is not None
    assert len([e for e in detail.events if e.method == "chat.postMessage"]) == len(MEMBERS)


def note_store_closes(path: str) -> int:
    """In a worker: append this process's id to `path` whenever a SQLite store closes."""
    import os

    from marvin.store.sqlite.store import SqliteStore

    closing = SqliteStore.close

    def close(self: SqliteStore) -> None:
        with open(path, "a", encoding="ascii") as noted:
            noted.write(f"{os.getpid()}\n")
        closing(self)

    SqliteStore.close = close  # type: ignore[method-assign]
    return os.getpid()


# A second cluster beside the module's: its scheduler's HTTP port moves, as Dask warns.
@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_the_workers_close_their_stores_when_the_cluster_closes(
    tmp_path: Path, standin: SlackStandIn
) -> None:
    settings = make_settings(standin.url, store=f"sqlite:///{tmp_path / 'marvin.db'}",
                             executor="dask")
    closes = tmp_path / "closes.txt"
    with open_marvin(settings, now=FixedClock(BEFORE_STANDUP)) as marvin:
        for user in MEMBERS:
            marvin.store.save_member(Member(user_id=user, team=DEFAULT_TEAM))
        with DaskExecutor(n_workers=2, processes=True) as executor:  # its own cluster
            pids = executor.client.run(note_store_closes, str(closes))
            run = run_flow("reminder", {"team": DEFAULT_TEAM}, marvin.services,
                           executor=executor)
            opened = executor.client.run(services_opened_here)
            assert not closes.exists()  # reused between runs, open while the worker lives

    assert run.state.is_successful(), run.state
    workers_with_services = {pids[w] for w, keys in opened.items() if keys}
    assert workers_with_services  # the tasks ran there
    closed = [int(line) for line in closes.read_text().split()]
    assert sorted(closed) == sorted(workers_with_services)  # each once, at teardown


def test_each_workspaces_run_on_dask_uses_its_data_and_its_token(
    tmp_path: Path, standin: SlackStandIn, dask_executor: DaskExecutor
) -> None:
    """OAuth mode: the workers open the run's workspace namespace and read its bot token
    from the installations themselves (no token travels with the run)."""
    standin.oauth.configure("1111.2222", "client-secret-shh")
    settings = make_settings(
        standin.url, store=f"sqlite:///{tmp_path / 'marvin.db'}", executor="dask",
        dask_address=dask_executor.client.scheduler.address, slack_bot_token=None,
        slack_client_id="1111.2222", slack_client_secret="client-secret-shh",
        encryption_key=Fernet.generate_key().decode())
    alpha, bravo = Workspace("TALPHA"), Workspace("TBRAVO")
    with open_marvin(settings, now=FixedClock(BEFORE_STANDUP)) as root:
        installations = root.installations
        assert installations is not None
        tokens = {}
        for n, workspace in enumerate((alpha, bravo)):
            code = standin.oauth.authorize(str(workspace.team_id))
            tokens[workspace] = standin.oauth.access({
                "client_id": "1111.2222", "client_secret": "client-secret-shh",
                "code": code})["access_token"]
            installations.save(InstallationRecord(
                workspace.team_id, None, False, BEFORE_STANDUP + dt.timedelta(minutes=n),
                bot_token=tokens[workspace]))
        for workspace in (alpha, bravo):
            for user in MEMBERS:
                root.of(workspace).store.save_member(Member(user_id=user, team=DEFAULT_TEAM))
        for workspace in (alpha, bravo):
            run = root.of(workspace).run_flow("reminder", {"team": DEFAULT_TEAM})
            assert run.state.is_successful(), run.state
            reminded = root.of(workspace).store.list_deliveries(DEFAULT_TEAM, "2026-06-08")
            assert sorted(d.target for d in reminded) == list(MEMBERS)

    posts = [c for c in standin.calls_to("chat.postMessage") if c.acted]
    for workspace in (alpha, bravo):
        assert sorted(str(c.params["channel"]).removeprefix("D") for c in posts
                      if c.token == tokens[workspace]) == list(MEMBERS)  # once each
    assert len(posts) == 2 * len(MEMBERS)
