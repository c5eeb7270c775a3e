"""SIGTERM during a flow run, in both modes: `marvin serve` as a real process.

Start-up catches up a reminder slot just missed, so a run is in progress soon after
start; Slack (the stand-in) is slow to answer its DM. A run that ends within
MARVIN_SHUTDOWN_GRACE_SECONDS ends normally; one that outlasts it is cut short: its
send handed over, its slot released, its end recorded, and the process still exits 0
without waiting for it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from marvin.domain.delivery_records import HandedOver, read_detail
from marvin.scheduler import RELEASED
from marvin.store import open_history, open_store
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_server import FakeSocketServer
from tests.support.serve_process import serving

APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"


@pytest.fixture(params=["http", "socket"])
def mode(request: pytest.FixtureRequest, standin: SlackStandIn) -> Iterator[dict[str, str]]:
    """The env of each mode; in Socket Mode, the stand-in hands out a fake server's URL,
    and the connection must be closed once the process has exited."""
    if request.param == "http":
        yield {"SLACK_SIGNING_SECRET": "serve-signing-secret"}
        return
    with FakeSocketServer() as server:
        standin.socket_url = server.url
        yield {"SLACK_APP_TOKEN": APP_TOKEN}
        assert server.connections == 1
        deadline = time.monotonic() + 10  # the server notices the close on its own thread
        while server.open_connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.open_connections == 0


def stop_during_the_post(standin: SlackStandIn, process: subprocess.Popen[str]) -> str:
    """SIGTERM once the reminder's DM is being posted; the process's whole output."""
    deadline = time.monotonic() + 20
    while not standin.calls_to("chat.postMessage"):
        assert time.monotonic() < deadline, "no reminder run started"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


def posted_date(standin: SlackStandIn) -> str:
    """The standup date of the DM posted, from the delivery key it carries (kind/team/
    date/target) in its message metadata."""
    [post] = standin.calls_to("chat.postMessage")
    metadata = post.params["metadata"]
    metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
    key = next(v for v in metadata["event_payload"].values() if str(v).count("/") == 3)
    return str(key).split("/")[2]


def test_a_run_that_ends_within_the_grace_ends_normally(
    tmp_path: Path, standin: SlackStandIn, mode: dict[str, str]
) -> None:
    standin.set_latency(1.5, "chat.postMessage")
    env = {**mode, "MARVIN_SHUTDOWN_GRACE_SECONDS": "15"}
    with serving(tmp_path, standin.url, env) as (_base, db, process):
        output = stop_during_the_post(standin, process)

    assert "shutdown: waiting up to 15 s for 1 run(s) in progress" in output
    assert "handed over" not in output
    with ExitStack() as stack:
        history = open_history(f"sqlite:///{db}")
        stack.callback(history.close)
        [run] = history.list_flow_runs(flow="reminder")
        assert run.state == "Success", run
        store = open_store(f"sqlite:///{db}")
        stack.callback(store.close)
        claim = store.get_slot_claim("reminder:default")
        assert claim is not None and claim.done


def test_a_run_that_outlasts_the_grace_is_handed_over_and_recorded_as_cut_short(
    tmp_path: Path, standin: SlackStandIn, mode: dict[str, str]
) -> None:
    standin.set_latency(25, "chat.postMessage")  # longer than the test waits for the exit
    env = {**mode, "MARVIN_SHUTDOWN_GRACE_SECONDS": "1"}
    with serving(tmp_path, standin.url, env) as (_base, db, process):
        output = stop_during_the_post(standin, process)

    assert ("shutdown: 1 run(s) still going after 1 s: 1 send(s) handed over, "
            "1 slot(s) released, 1 run(s) recorded as cut short") in output
    with ExitStack() as stack:
        history = open_history(f"sqlite:///{db}")
        stack.callback(history.close)
        [run] = history.list_flow_runs(flow="reminder")
        assert run.state == "Failed" and run.message.startswith("shutdown: "), run
        assert run.ended_at is not None
        store = open_store(f"sqlite:///{db}")
        stack.callback(store.close)
        [delivery] = store.list_deliveries("default", posted_date(standin))
        assert isinstance(read_detail(delivery), HandedOver), delivery
        claim = store.get_slot_claim("reminder:default")
        assert claim is not None and not claim.done and claim.owner.startswith(RELEASED)
