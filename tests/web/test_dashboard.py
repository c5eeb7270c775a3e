"""The runs dashboard over real HTTP: protection, the run list, one run's page, escaping.

The data is real: small flows run on Marvin's engine and recorded by `HistoryRecorder`
(a mapped task with a Success, a SKIP and a FAIL child, logs, external-call events).
`recorded_runs` is shared with the headless-browser test.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from marvin.engine import (
    FAIL,
    SKIP,
    FakeClock,
    Flow,
    Parameter,
    always_run,
    get_context,
    task,
    unmapped,
)
from marvin.history.recorder import HistoryRecorder, emit_event, recording
from marvin.store.run_history import RunHistory
from marvin.store.run_records import FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.server import serve_in_thread
from marvin.web.dashboard import dashboard_routes

TOKEN = "dash-Token-0123456789"
XSS = "<script>alert(1)</script>"


# A small reminder-like flow: one member is fine, one already posted, one fails.
@task
def get_team(team: str) -> list[str]:
    emit_event("store", "list_members", f"{team}/members", "ok", 0.0042)
    return ["ann", "bob", "cy"]


@task
def remind(member: str, note: str) -> str:
    log = get_context().logger
    if member == "bob":
        raise SKIP("bob already posted")
    if member == "cy":
        log.warning("slack said no for %s: %s", member, XSS)
        emit_event("slack", "chat.postMessage", "D0CY", "error:channel_not_found", 0.0871)
        raise FAIL(f"could not remind cy: {XSS}")
    log.info("reminded %s (%s)", member, note)
    emit_event("slack", "chat.postMessage", "D0ANN", "ok", 0.0563)
    return f"reminded {member}"


@task(trigger=always_run, skip_on_upstream_skip=False)
def report(reminders: list[str | None] | None) -> str:
    sent = [r for r in reminders or [] if r]
    get_context().logger.info("%d reminder(s) sent", len(sent))
    return f"{len(sent)} sent"


@task
def post_digest(channel: str) -> str:
    emit_event("slack", "chat.postMessage", channel, "ok", 0.031)
    return f"posted to {channel}"


def alert(flow: Flow, state: object) -> None:
    """The flow's on_failure handler: an external call made outside any task."""
    emit_event("slack", "chat.postMessage", "#alerts", "ok", 0.012)


with Flow("reminder", on_failure=alert) as reminder_flow:
    members = get_team(Parameter("team", default="core"))
    reminders = remind.map(members, note=unmapped(Parameter("note", default="hi")))
    report(reminders)
reminder_flow.set_reference_tasks([reminders])

with Flow("standup") as standup_flow:
    post_digest(Parameter("channel", default="#general"))


@dataclass
class Recorded:
    history: RunHistory
    reminder_id: str  # the newest run: Failed (cy's reminder failed)
    standup_ids: list[str]  # older, successful, newest first


def record(history: RunHistory, flow: Flow, params: dict[str, object], clock: FakeClock,
           run_id: str | None = None) -> str:
    """Run `flow` for real, recorded into `history` the way Marvin records its runs."""
    recorder = HistoryRecorder(history, flow)
    with recording(recorder):
        return flow.run(params, clock=clock, recorder=recorder, run_id=run_id).id


def recorded_runs(history: RunHistory) -> Recorded:
    """Two standup runs, then a reminder run, recorded into `history`."""
    clock = FakeClock(start=1_767_254_400.0, tick=0.25)  # 2026-01-01 08:00 UTC
    first = record(history, standup_flow, {"channel": "#testing"}, clock)
    second = record(history, standup_flow, {}, clock)
    return Recorded(history, record(history, reminder_flow, {"note": XSS}, clock),
                    [second, first])


def make_history(folder: Path) -> SqliteHistory:
    return SqliteHistory(str(folder / "history.db"))


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    """Read-only for the tests: recorded once per module."""
    history = make_history(tmp_path_factory.mktemp("history"))
    yield recorded_runs(history)
    history.close()


@pytest.fixture(scope="module")
def base_url(recorded: Recorded) -> Iterator[str]:
    app = Starlette(routes=dashboard_routes(recorded.history, TOKEN))
    with serve_in_thread(app) as (url, _stop):
        yield url


def get(url: str, **kw: object) -> httpx.Response:
    return httpx.get(url, timeout=10, **kw)  # type: ignore[arg-type]


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


# Protection -------------------------------------------------------------------------
@pytest.mark.parametrize("token", [None, "", "   "])
def test_dashboard_is_off_without_a_token(recorded: Recorded, token: str | None) -> None:
    app = Starlette(routes=dashboard_routes(recorded.history, token))
    with serve_in_thread(app) as (url, _stop):
        for path in ("/runs", f"/runs/{recorded.reminder_id}"):
            r = get(url + path, params={"token": ""}, headers=basic("x", ""))
            assert r.status_code == 404
            assert "dashboard disabled: set MARVIN_DASHBOARD_TOKEN" in r.text


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"params": {"token": "wrong"}},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"headers": basic("admin", "wrong")},
        {"headers": basic(TOKEN, "")},  # the token as user name is not the password
        {"headers": {"Authorization": "Basic !!not-base64!!"}},
        {"headers": {"Authorization": TOKEN}},  # no scheme
    ],
    ids=["none", "query", "bearer", "basic", "basic-user", "basic-garbage", "bare"],
)
def test_wrong_or_missing_credentials_get_401(base_url: str, recorded: Recorded,
                                             kw: dict[str, object]) -> None:
    for path in ("/runs", f"/runs/{recorded.reminder_id}"):
        r = get(base_url + path, **kw)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Basic realm="Marvin"'
        assert recorded.reminder_id not in r.text and TOKEN not in r.text


@pytest.mark.parametrize(
    "kw",
    [
        {"headers": basic("anyone", TOKEN)},
        {"headers": {"Authorization": f"Bearer {TOKEN}"}},
        {"params": {"token": TOKEN}},
    ],
    ids=["basic", "bearer", "query"],
)
def test_the_token_opens_it_three_ways(base_url: str, kw: dict[str, object]) -> None:
    r = get(base_url + "/runs", **kw)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert TOKEN not in r.text  # never echoed into the page


# The list ---------------------------------------------------------------------------
def test_list_shows_runs_newest_first_with_states(base_url: str, recorded: Recorded) -> None:
    r = get(base_url + "/runs", params={"token": TOKEN})
    ids = re.findall(r'href="/runs/([0-9a-f]{32})"', r.text)
    assert ids == [recorded.reminder_id, *recorded.standup_ids]
    states = re.findall(r'<span class="badge s-(\w+)">', r.text)
    assert states == ["Failed", "Success", "Success"]
    assert "channel=#testing" in r.text and "#general" in r.text


def test_list_filters_by_flow_and_limits(base_url: str, recorded: Recorded) -> None:
    r = get(base_url + "/runs", params={"token": TOKEN, "flow": "standup", "limit": "1"})
    assert re.findall(r'href="/runs/([0-9a-f]{32})"', r.text) == recorded.standup_ids[:1]
    for limit in ("0", "501", "-1", "0; drop", "²", "9" * 5000):
        bad = get(base_url + "/runs", params={"token": TOKEN, "limit": limit})
        assert bad.status_code == 400 and "limit must be" in bad.text


# One run ----------------------------------------------------------------------------
def test_the_dashboard_draws_a_run_as_flow_visualize_does(tmp_path: Path) -> None:
    # One renderer: the SVG on the run page is exactly `flow.visualize(run)`.
    history = make_history(tmp_path)
    try:
        recorder = HistoryRecorder(history, reminder_flow)
        clock = FakeClock(start=1_767_254_400.0, tick=0.25)
        with recording(recorder):
            run = reminder_flow.run({"note": "hi"}, clock=clock, recorder=recorder)
        app = Starlette(routes=dashboard_routes(history, TOKEN))
        with serve_in_thread(app) as (url, _stop):
            page = get(url + f"/runs/{run.id}", params={"token": TOKEN}).text
    finally:
        history.close()
    assert page[page.index("<svg") : page.index("</svg>") + 6] == reminder_flow.visualize(run)


def test_run_page_shows_graph_tasks_children_logs_and_events(
    base_url: str, recorded: Recorded
) -> None:
    r = get(base_url + f"/runs/{recorded.reminder_id}", params={"token": TOKEN})
    assert r.status_code == 200
    page = r.text
    svg = page[page.index("<svg"): page.index("</svg>") + 6]
    assert svg.count('class="node"') == 5  # team, note, get_team, remind, report
    assert 'data-state="Failed"' in svg  # remind: coloured by its failed child
    assert "remind ×3" in svg and 'stroke-dasharray="5 4"' in svg
    for label in ("get_team", "remind", "remind[0]", "remind[1]", "remind[2]", "report"):
        assert f"<code>{label}</code>" in page
    rows = re.findall(r'<tr id="task-\d+"( class=child)?><td><code>([^<]+)</code>', page)
    assert rows == [("", "team"), ("", "note"), ("", "get_team"), ("", "remind"),
                    (" class=child", "remind[0]"), (" class=child", "remind[1]"),
                    (" class=child", "remind[2]"), ("", "report")]  # children under parent
    for state in ("Mapped", "Success", "Skipped", "Failed"):
        assert f'<span class="badge s-{state}">{state}</span>' in page
    assert "bob already posted" in page and "reminded ann (" in page
    assert "1 reminder(s) sent" in page  # report's log
    for cell in ("chat.postMessage", "D0CY", "error:channel_not_found", "87.1", "list_members",
                 "#alerts", "(flow)"):
        assert cell in page
    assert page.count('href="#task-') >= 3  # events linked to their task rows


def test_user_data_is_escaped_everywhere(base_url: str, recorded: Recorded) -> None:
    page = get(base_url + f"/runs/{recorded.reminder_id}", params={"token": TOKEN}).text
    listing = get(base_url + "/runs", params={"token": TOKEN}).text
    for html in (page, listing):
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # parameter
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # + message, log, header


def test_unknown_ids_are_404_and_prefixes_work(base_url: str, recorded: Recorded) -> None:
    r = get(base_url + "/runs/" + "f" * 32, params={"token": TOKEN})
    assert r.status_code == 404 and "no run with id" in r.text
    r = get(base_url + "/runs/%3Cb%3Eabcdef", params={"token": TOKEN})
    assert r.status_code == 404 and "<b>" not in r.text and "&lt;b&gt;abcdef" in r.text
    prefix = recorded.reminder_id[:8]
    r = get(base_url + f"/runs/{prefix}", params={"token": TOKEN})
    assert r.status_code == 200 and recorded.reminder_id in r.text


def test_ambiguous_or_short_prefix_is_400_naming_no_run(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    clock = FakeClock()
    ids = [record(history, standup_flow, {}, clock, run_id=f"abcdef{i}" * 4) for i in (1, 2)]
    app = Starlette(routes=dashboard_routes(history, TOKEN))
    with serve_in_thread(app) as (url, _stop):
        for prefix in ("abcdef", "abc"):
            r = get(url + f"/runs/{prefix}", params={"token": TOKEN})
            assert r.status_code == 400 and "too short or matches several runs" in r.text
            assert not any(i in r.text for i in ids)
        assert get(url + f"/runs/{ids[1][:8]}", params={"token": TOKEN}).status_code == 200
    history.close()


def test_a_triggered_run_names_its_event_in_the_list_and_on_its_page(tmp_path: Path) -> None:
    history = make_history(tmp_path)
    at = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)
    run_id = "c3" * 16
    history.save_flow_run(FlowRunRecord(
        run_id, "escalate_blocker", "1", {"team": "eng", "user": "U1",
                                          "event": "standup.blocker_reported",
                                          "event_id": "eng/2026-06-01/<U1>"},
        "Success", "", None, at, at))
    app = Starlette(routes=dashboard_routes(history, TOKEN))
    with serve_in_thread(app) as (url, _stop):
        listed = get(url + "/runs", params={"token": TOKEN}).text
        page = get(f"{url}/runs/{run_id}", params={"token": TOKEN}).text
    history.close()
    for html in (listed, page):
        assert "<code>standup.blocker_reported eng/2026-06-01/&lt;U1&gt;</code>" in html
    assert "Triggered by" in listed and "triggered by" in page
