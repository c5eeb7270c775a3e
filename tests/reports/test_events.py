"""`recent_events` on both run-history backends: the calls runs made, the events they
published and the events that triggered automations, newest first, by type or family."""

from __future__ import annotations

import datetime as dt

from marvin.domain.events import ACCOUNT_INACTIVE
from marvin.reports.events import matches, recent_events
from marvin.store.run_history import RunHistory
from marvin.store.run_records import EventRecord, FlowRunRecord

AT = dt.datetime(2026, 6, 1, 7, 30, tzinfo=dt.UTC)
REMINDER, AUTOMATION = "a1" * 16, "b2" * 16


def seed(history: RunHistory) -> None:
    history.save_flow_run(FlowRunRecord(REMINDER, "reminder", "1", {"team": "eng"},
                                        "Success", "", None, AT, AT))
    history.save_events([
        EventRecord(REMINDER, f"{REMINDER}/send_reminder[0]", AT, "slack",
                    "conversations.open", "U3", "error:user_not_found", 4.0),
        EventRecord(REMINDER, f"{REMINDER}/send_reminder[0]", AT + dt.timedelta(seconds=1),
                    "slack", "account_inactive", "U3", f"event:{REMINDER}/U3", 0.0),
        EventRecord(REMINDER, None, AT + dt.timedelta(seconds=2), "store", "save_member",
                    "U9", "ok", 1.0),
    ])
    history.save_flow_run(FlowRunRecord(
        AUTOMATION, "member_inactive", "1",
        {"team": "eng", "user": "U3", "event": ACCOUNT_INACTIVE, "event_id": f"{REMINDER}/U3"},
        "Success", "", None, AT + dt.timedelta(seconds=5), AT + dt.timedelta(seconds=6)))


def test_recent_events_by_type_family_and_limit(history: RunHistory) -> None:
    seed(history)

    every = recent_events(history)
    assert [(e.type, e.outcome) for e in every] == [
        (ACCOUNT_INACTIVE, "triggered"), ("store.save_member", "ok"),
        (ACCOUNT_INACTIVE, f"event:{REMINDER}/U3"),
        ("slack.conversations.open", "error:user_not_found")]
    assert every[0].run_id == AUTOMATION and every[0].target == "U3"
    assert [e.run_id for e in recent_events(history, event_type=ACCOUNT_INACTIVE)] == [
        AUTOMATION, REMINDER]
    assert len(recent_events(history, event_type="slack")) == 3
    assert [e.type for e in recent_events(history, limit=1)] == [ACCOUNT_INACTIVE]
    assert recent_events(history, event_type="standup.blocker_reported") == []


def test_a_type_names_itself_or_a_family_never_a_prefix_of_a_word() -> None:
    assert matches("slack.chat.postMessage", "slack.chat")
    assert matches("slack.chat.postMessage", None)
    assert not matches("slack.chat.postMessage", "slack.ch")
