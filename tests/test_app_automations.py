"""The composition root runs automations: events published outside a run (a Slack
listener, a modal) go to the process's automation worker once the Bolt app is built, and
are finished before `open_marvin` closes; separate processes (replicas) on one store start
an event's automation once."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

from marvin.app import open_marvin
from marvin.domain.events import ACCOUNT_INACTIVE, Event
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.history.events import publish
from marvin.settings import Settings
from marvin.store import open_history
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

AT = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)
ADMIN = "U0ADMIN"


def settings_for(standin: SlackStandIn, tmp_path: Path) -> Settings:
    return stand_in_settings(standin.url, "xoxb-test-token", "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                             store=f"sqlite:///{tmp_path / 'marvin.db'}", admins=ADMIN,
                             executor="local")


def test_an_event_from_slack_runs_its_automation_on_the_worker(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    settings = settings_for(standin, tmp_path)
    event = Event(ACCOUNT_INACTIVE, "EvW1", DEFAULT_TEAM, "U1", AT, {"reason": "deleted"})
    with open_marvin(settings, now=lambda: AT) as marvin:
        marvin.store.save_member(Member("U1", DEFAULT_TEAM, "ann"))
        publish(event)  # no Bolt app yet: no automations in this process, only logged
        marvin.bolt()
        publish(event)
        publish(event)  # the same event again (Slack's retry): one run
    publish(event)  # closed: nowhere to go, nothing raised

    store = SqliteStore(str(tmp_path / "marvin.db"))
    history = open_history(f"sqlite:///{tmp_path / 'marvin.db'}")
    try:
        assert store.get_member("U1").inactive_reason == "deleted"  # type: ignore[union-attr]
        [run] = history.list_flow_runs(flow="member_inactive")
        assert run.state == "Success" and run.parameters["event_id"] == "EvW1"
    finally:
        store.close()
        history.close()
    assert len(standin.posted_messages(f"D{ADMIN}")) == 1


def test_two_replicas_given_one_event_run_its_automation_once(
    standin: SlackStandIn, tmp_path: Path
) -> None:
    settings = settings_for(standin, tmp_path)
    event = Event(ACCOUNT_INACTIVE, "EvR1", DEFAULT_TEAM, "U1", AT, {"reason": "deleted"})
    SqliteStore(str(tmp_path / "marvin.db")).save_member(Member("U1", DEFAULT_TEAM, "ann"))
    started: list[int] = []
    ready = threading.Barrier(2)

    def replica() -> None:
        with open_marvin(settings, now=lambda: AT) as marvin:
            marvin.prepare_runs()
            ready.wait()
            started.append(len(marvin.automate(event)))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(started) == [0, 1]
    assert len(standin.posted_messages(f"D{ADMIN}")) == 1
