# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""Slack's ``user_change`` and ``team_join`` over real HTTP, on both stores: a deactivated
member is marked inactive and the admins told once (Slack's retry of the event starts
nothing twice); the account back, the member is active again."""

from __future__ import annotations

import httpx

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, event_body, team_join, user_change
from marvin.testing.signing import signed_headers
from tests.slack.test_app_http import (  # noqa: F401  (fixtures)
    DATE,
    SECRET,
    USER,
    Marvin,
    healthy,
    marvin,
)
from tests.slack.test_blocker_escalation_http import ADMIN, automated  # noqa: F401


def send(marvin: Marvin, body: bytes) -> httpx.Response:
    response = marvin.post(body, signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE))
    assert response.status_code == 200, response.text
    return response


def admin_notices(marvin: Marvin) -> list[str]:
    return [str(m["text"]) for m in marvin.slack.posted_messages(f"D{ADMIN}")]


def test_a_deactivated_member_is_marked_once_and_comes_back(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    marvin.store.save_member(Member(USER, DEFAULT_TEAM, "alice", joined_on=DATE))
    gone = event_body(user_change(USER, deleted=True), event_id="EvGONE1")

    send(marvin, gone)
    send(marvin, gone)  # Slack's retry: the same event id

    member = marvin.store.get_member(USER)
    assert member is not None and not member.is_active and member.inactive_reason == "deleted"
    [notice] = admin_notices(marvin)
    assert f"<@{USER}>" in notice and "deleted" in notice
    [run] = automated.list_flow_runs(flow="member_inactive")
    assert run.parameters["event_id"] == "EvGONE1"

    send(marvin, event_body(user_change(USER, deleted=True)))  # another change, still gone
    assert len(admin_notices(marvin)) == 1

    send(marvin, event_body(user_change(USER, deleted=False), event_id="EvBACK1"))
    back = marvin.store.get_member(USER)
    assert back is not None and back.is_active
    [run] = automated.list_flow_runs(flow="member_active")
    assert run.state == "Success" and run.parameters["event_id"] == "EvBACK1"


def test_other_user_events_start_nothing(marvin: Marvin, automated: SqliteHistory) -> None:
    marvin.store.save_member(Member(USER, DEFAULT_TEAM, "alice", joined_on=DATE))
    send(marvin, event_body(user_change(USER)))  # a profile edit of an active member
    send(marvin, event_body(user_change("U0STRANGER", deleted=True)))  # not a member
    send(marvin, event_body(team_join("U0NEW")))
    broken = user_change(USER, deleted=True)
    broken["user"] = {"id": USER}  # no "deleted": proves nothing
    send(marvin, event_body(broken))

    assert automated.list_flow_runs() == []
    assert marvin.store.get_member(USER).is_active  # type: ignore[union-attr]


def test_one_user_change_keeps_the_zone_and_marks_the_member(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    # Bolt runs only the first listener that matches: one listener must do both.
    marvin.store.save_member(Member(USER, DEFAULT_TEAM, "alice", joined_on=DATE))

    send(marvin, event_body(user_change(USER, tz="Pacific/Kiritimati", deleted=True)))

    prefs = marvin.store.get_member_prefs(USER)
    assert prefs is not None and prefs.tz == "Pacific/Kiritimati"
    member = marvin.store.get_member(USER)
    assert member is not None and not member.is_active
    assert [r.flow for r in automated.list_flow_runs()] == ["member_inactive"]
