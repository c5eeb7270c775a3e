# ruff: noqa: F811  (the fixtures imported from test_runs are parameters here)
"""`marvin events`, the trigger `marvin runs` shows, `marvin team set --lead
--blockers-channel` and inactive members in `marvin team list`: the console script in a
subprocess, on a SQLite file seeded in-process."""

from __future__ import annotations

import datetime as dt

from marvin.domain.events import ACCOUNT_INACTIVE
from marvin.domain.models import Member
from marvin.store.run_records import EventRecord, FlowRunRecord
from marvin.store.sqlite.history import SqliteHistory
from marvin.store.sqlite.store import SqliteStore
from tests.cli.test_runs import Cli, cli, history, store  # noqa: F401  (fixtures)

AT = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)
REMINDER_RUN = "a1" * 16
AUTOMATION_RUN = "b2" * 16


def seed(history: SqliteHistory) -> None:
    def header(run_id: str, flow: str, params: dict[str, object], at: dt.datetime
               ) -> FlowRunRecord:
        return FlowRunRecord(run_id, flow, "1", params, "Success", "", None, at, at)

    history.save_flow_run(header(REMINDER_RUN, "reminder", {"team": "eng"}, AT))
    history.save_events([
        EventRecord(REMINDER_RUN, None, AT, "slack", "conversations.open", "U0003",
                    "error:account_inactive", 12.5),
        EventRecord(REMINDER_RUN, None, AT + dt.timedelta(seconds=1), "slack",
                    "account_inactive", "U0003", f"event:{REMINDER_RUN}/U0003", 0.0),
    ])
    later = AT + dt.timedelta(seconds=5)
    history.save_flow_run(header(AUTOMATION_RUN, "member_inactive", {
        "team": "eng", "user": "U0003", "event": ACCOUNT_INACTIVE,
        "event_id": f"{REMINDER_RUN}/U0003", "event_reason": "account_inactive"}, later))


def test_events_lists_calls_published_events_and_triggers_newest_first(
    cli: Cli, history: SqliteHistory
) -> None:
    seed(history)

    every = cli("events")
    assert every.returncode == 0, every.stderr
    lines = [line for line in every.stdout.splitlines() if "slack." in line]
    assert [next(w for w in line.split() if w.startswith("slack.")) for line in lines] == [
        ACCOUNT_INACTIVE, ACCOUNT_INACTIVE, "slack.conversations.open"]
    assert "triggered" in lines[0] and AUTOMATION_RUN[:12] in lines[0]

    only = cli("events", "--type", ACCOUNT_INACTIVE, "--limit", "1")
    assert only.returncode == 0 and only.stdout.count(ACCOUNT_INACTIVE) == 1
    assert "triggered" in only.stdout
    family = cli("events", "--type", "slack.conversations")
    assert "slack.conversations.open" in family.stdout and ACCOUNT_INACTIVE not in family.stdout
    none = cli("events", "--type", "standup.blocker_reported")
    assert none.returncode == 0 and "no events recorded of type" in none.stdout


def test_runs_name_the_event_that_triggered_a_run(cli: Cli, history: SqliteHistory) -> None:
    seed(history)

    listed = cli("runs")
    assert listed.returncode == 0, listed.stderr
    [row] = [line for line in listed.stdout.splitlines() if "member_inactive" in line]
    assert ACCOUNT_INACTIVE in row
    shown = cli("runs", "show", AUTOMATION_RUN[:8])
    assert f"triggered by: {ACCOUNT_INACTIVE} {REMINDER_RUN}/U0003" in shown.stdout


def test_team_set_lead_and_blockers_channel_and_list_shows_inactive(
    cli: Cli, store: SqliteStore
) -> None:
    saved = cli("team", "set", "eng", "--lead", "U0LEAD", "--blockers-channel", "#blockers")
    assert saved.returncode == 0, saved.stderr
    team = store.get_team("eng")
    assert team is not None and (team.lead, team.blockers_channel) == ("U0LEAD", "#blockers")
    cleared = cli("team", "set", "eng", "--lead", "")
    assert cleared.returncode == 0 and store.get_team("eng").lead == ""  # type: ignore[union-attr]
    bad = cli("team", "set", "eng", "--lead", "alice")
    assert bad.returncode == 2 and "--lead" in bad.stderr and "U0123ABC" in bad.stderr
    store.save_member(Member("U0003", "eng", "Cid", inactive_since="2026-06-01",
                             inactive_reason="account_inactive"))
    listed = cli("team", "list")
    assert "Cid (U0003, inactive since 2026-06-01: account_inactive)" in listed.stdout
