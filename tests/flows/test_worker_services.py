"""A run's services described for Dask workers: the description travels (secrets kept), each
process opens one set of services per description, closes them when it exits, and what a
task did on a worker arrives in the run's history and automations."""

from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from flows.services import services
from flows.worker_services import (
    ServicesDescription,
    ServicesOnWorkers,
    close_services_here,
    open_store_for,
    services_here,
    services_opened_here,
    token_for,
)
from marvin.app import build_installations, run_flow
from marvin.domain.events import Event
from marvin.domain.models import Member
from marvin.domain.workspace import Workspace
from marvin.engine import Executor
from marvin.history.events import collecting
from marvin.history.recorder import emit_event, recording
from marvin.settings import Settings, SettingsError
from marvin.store import Store, open_store
from marvin.store.installations import InstallationRecord
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    REMINDER_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    make_settings,
)

KEY = Fernet.generate_key().decode()


def settings_in(tmp_path: Path, **overrides: object) -> Settings:
    return make_settings("http://127.0.0.1:9/api/",
                         **({"store": f"sqlite:///{tmp_path / 'm.db'}"} | overrides))


def test_a_description_travels_with_its_secrets_and_its_key(tmp_path: Path) -> None:
    description = ServicesDescription(settings_in(tmp_path), now=FixedClock(REMINDER_AT))

    copy = pickle.loads(pickle.dumps(description))

    token = copy.settings.slack_bot_token
    assert token is not None and token.get_secret_value() == "xoxb-flows-test-token"
    assert copy.key == description.key
    assert copy.now() == REMINDER_AT
    same = ServicesDescription(settings_in(tmp_path), now=FixedClock(REMINDER_AT))
    assert same.key == description.key
    other_token = ServicesDescription(settings_in(tmp_path, slack_bot_token="xoxb-other"),
                                      now=FixedClock(REMINDER_AT))
    dry = ServicesDescription(settings_in(tmp_path), dry_run=True, now=FixedClock(REMINDER_AT))
    assert len({description.key, other_token.key, dry.key}) == 3


def test_a_workspaces_run_opens_its_namespace_on_the_worker(tmp_path: Path) -> None:
    settings = settings_in(tmp_path)
    workspace = Workspace("T0123ABCD")
    with closing(open_store(settings.store, workspace=workspace)) as own:
        own.save_member(Member("U1", "ops"))

    on_worker = open_store_for(ServicesDescription(settings, workspace=workspace))
    unscoped = open_store_for(ServicesDescription(settings))
    try:
        assert [m.user_id for m in on_worker.list_members("ops")] == ["U1"]
        assert unscoped.list_members("ops") == []
    finally:
        on_worker.close()
        unscoped.close()


def oauth_settings_in(tmp_path: Path) -> Settings:
    return settings_in(tmp_path, slack_bot_token=None, slack_client_id="1111.2222",
                       slack_client_secret="client-secret-shh", encryption_key=KEY)


def test_in_oauth_mode_a_worker_sends_with_the_workspaces_token_read_there(
    tmp_path: Path,
) -> None:
    settings = oauth_settings_in(tmp_path)
    alpha, bravo = Workspace("TALPHA"), Workspace("TBRAVO")
    installations = build_installations(settings)
    assert installations is not None
    try:
        installations.save(InstallationRecord("TALPHA", None, False, REMINDER_AT,
                                              bot_token="xoxb-alpha-0123456789"))
    finally:
        installations.close()
    description = ServicesDescription(settings, workspace=alpha)

    token = token_for(description)
    assert token is not None and token.value == "xoxb-alpha-0123456789"
    assert "xoxb-alpha" not in pickle.dumps(description).decode("latin-1")  # never carried
    with pytest.raises(SettingsError, match="TBRAVO.*no bot token"):
        token_for(ServicesDescription(settings, workspace=bravo))


def test_a_process_opens_one_set_of_services_per_description(tmp_path: Path) -> None:
    first = ServicesDescription(settings_in(tmp_path))
    second = ServicesDescription(settings_in(tmp_path), dry_run=True)
    try:
        opened = services_here(first)
        assert services_here(pickle.loads(pickle.dumps(first))) is opened
        assert services_here(second) is not opened
        assert set(services_opened_here()) >= {first.key, second.key}
    finally:
        close_services_here()
    assert services_opened_here() == []
    with pytest.raises(Exception, match="closed"):
        opened.store.list_teams()


def test_a_worker_process_closes_its_stores_when_it_exits(tmp_path: Path) -> None:
    script = """
import pickle, sys
from flows.worker_services import services_here
from marvin.store.sqlite.store import SqliteStore
closing = SqliteStore.close
def close(self):
    print("closed", flush=True)
    closing(self)
SqliteStore.close = close
services_here(pickle.loads(sys.stdin.buffer.read()))
print("opened", flush=True)
"""
    description = ServicesDescription(settings_in(tmp_path))

    done = subprocess.run([sys.executable, "-c", script], input=pickle.dumps(description),
                          capture_output=True, timeout=60, check=False, cwd=Path.cwd())

    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split() == ["opened", "closed"]


def test_what_a_task_did_on_a_worker_arrives_in_the_run(tmp_path: Path) -> None:
    description = ServicesDescription(settings_in(tmp_path), now=FixedClock(REMINDER_AT))
    carried = ServicesOnWorkers(description)
    event = Event("slack.account_inactive", "run/U1", "default", "U1", REMINDER_AT)
    try:
        with carried.on_worker() as report:  # as in a worker, around one task run
            assert services().now() == REMINDER_AT
            services().store.list_teams()
            emit_event("slack", "chat.postMessage", "DU1", "ok", 0.01)
            from marvin.history.events import publish

            publish(event)
    finally:
        close_services_here()
    sent = pickle.loads(pickle.dumps(report))

    seen = Recorded()
    with recording(seen), collecting() as published:
        carried.arrived(sent)

    assert [(c[1], c[3]) for c in seen.calls] == [
        ("list_teams", "ok"), ("chat.postMessage", "ok"), ("account_inactive", "event:run/U1")
    ]
    assert all(isinstance(c[6], dt.datetime) for c in seen.calls)  # when it happened there
    assert published == [event]  # on to the run's automations, recorded once


class Recorded:
    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []

    def add_event(self, *call: object, at: dt.datetime | None = None) -> None:
        self.calls.append((*call, at))


def test_in_process_executors_use_the_parents_services_and_open_none(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    add_members(store, ("U0001", "U0002"))
    services = make_services()

    run = run_flow("reminder", {"team": TEAM}, services, executor=executor)

    assert run.state.is_successful(), run.state
    assert services_opened_here() == []
    assert len(standin.posted_messages()) == 2
