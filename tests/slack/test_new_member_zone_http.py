# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""A new member's time zone is learned when they join, over real signed HTTP on both
stores: ``team_join`` (shaped as Slack sends it) keeps the zone of a user who is a member
already, and a first `/standup` (or `/standup join`) starts the `learn_member_zone`
automation, which asks Slack once."""

from __future__ import annotations

from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.store.sqlite.history import SqliteHistory
from marvin.testing.event_payloads import event_body, team_join
from tests.slack.test_app_http import (  # noqa: F401  (fixtures)
    DATE,
    USER,
    Marvin,
    healthy,
    marvin,
)
from tests.slack.test_blocker_escalation_http import automated  # noqa: F401
from tests.slack.test_user_events_http import send


def test_team_join_keeps_the_zone_of_a_member_and_of_nobody_else(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    marvin.store.save_member(Member(USER, DEFAULT_TEAM, "alice", joined_on=DATE))

    send(marvin, event_body(team_join(USER, tz="Asia/Tokyo")))
    send(marvin, event_body(team_join("U0STRANGER", tz="Europe/Paris")))

    prefs = marvin.store.get_member_prefs(USER)
    assert prefs is not None and prefs.tz == "Asia/Tokyo" and prefs.tz_fetched_at is not None
    assert marvin.store.get_member_prefs("U0STRANGER") is None
    assert marvin.slack.calls_to("users.info") == []  # the event carried it


def test_a_first_standup_asks_slack_for_the_zone_once(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    marvin.slack.world.set_user(USER, tz="America/Lima")

    assert marvin.standup("shipped it").status_code == 200
    assert marvin.standup("and more").status_code == 200  # a member now: nothing new

    prefs = marvin.store.get_member_prefs(USER)
    assert prefs is not None and prefs.tz == "America/Lima"
    [run] = automated.list_flow_runs(flow="learn_member_zone")
    assert run.state == "Success" and run.parameters["user"] == USER
    assert len(marvin.slack.calls_to("users.info")) == 1


def test_joining_the_team_one_is_in_asks_nothing_again(
    marvin: Marvin, automated: SqliteHistory
) -> None:
    marvin.slack.world.set_user(USER, tz="America/Lima")
    assert marvin.standup("join").status_code == 200

    assert marvin.standup("join").status_code == 200  # already in it: no event
    runs = automated.list_flow_runs(flow="learn_member_zone")
    assert [r.state for r in runs] == ["Success"]
    assert len(marvin.slack.calls_to("users.info")) == 1
