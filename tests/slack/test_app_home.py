"""App Home end to end over real HTTP, on both stores: the tab, its buttons, the schedule modal.

Requests are the ones Slack sends (a JSON ``app_home_opened`` event_callback, form-encoded
``block_actions`` and ``view_submission`` payloads), v0-signed; the Home view is what the
stand-in received in ``views.publish`` and refused if Slack would have refused it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from marvin.domain.models import DEFAULT_TEAM, Answer, Member, Team
from marvin.interactions.app_home import HOME_EDIT_SCHEDULE, HOME_JOIN, HOME_LEAVE
from marvin.interactions.schedule_modal import SCHEDULE_VIEW
from marvin.interactions.ui_ids import UPDATE_MODAL
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, app_home_opened, event_body
from marvin.testing.interaction_payloads import (
    block_actions_in_view,
    button_action,
    interaction_body,
)
from tests.slack.home_harness import (
    ALICE,
    BOB,
    BOSS,
    DATE,
    NOW,
    Home,
    action_ids,
    texts,
)


def schedule_values(zone: str = "Europe/Paris", days: tuple[str, ...] = ("0", "2"),
                    reminder: str = "09:15", standup: str = "09:45",
                    channel: str = "#eng") -> dict[str, Any]:
    """``view.state.values`` of the schedule modal as Slack fills it."""
    return {
        "zone": {"zone": {"type": "plain_text_input", "value": zone}},
        "days": {"days": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": d}, "value": d} for d in days]}},
        "reminder": {"reminder": {"type": "timepicker", "selected_time": reminder}},
        "standup": {"standup": {"type": "timepicker", "selected_time": standup}},
        "channel": {"channel": {"type": "plain_text_input", "value": channel}},
    }


# The tab --------------------------------------------------------------------------------------


def test_opening_home_publishes_your_update_team_and_who_posted(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.store.save_member(Member(BOB, DEFAULT_TEAM, "bob"))
    home.store.append_update(DEFAULT_TEAM, DATE, ALICE, "shipped <the> digest", NOW)
    home.slack.world.set_user(ALICE, tz="America/New_York")

    view = home.open_tab(ALICE)

    shown = texts(view)
    assert "*Your update for Wednesday 18 November*" in shown
    assert "shipped &lt;the&gt; digest" in shown  # escaped, as every user text
    assert "Wed 18 Nov at 04:00 (America/New_York)" in shown  # 09:00 UTC in her zone
    assert f"Posted so far: 1 of 2: <@{ALICE}>" in shown
    assert "home.edit_update" in action_ids(view) and HOME_LEAVE in action_ids(view)
    assert "Teams (admins)" not in shown  # not an admin


def test_someone_in_no_team_is_offered_to_join_and_joins_with_a_button(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    view = home.open_tab(BOB)
    assert "You are not in a standup team." in texts(view)
    assert f"{HOME_JOIN}.1" in action_ids(view)  # "default" then "ops"

    response = home.click(BOB, f"{HOME_JOIN}.1", "ops")

    assert response.status_code == 200
    member = home.store.get_member(BOB)
    assert member is not None and member.team == "ops"
    assert "Welcome to team *ops*!" in texts(home.tab(BOB))


def test_many_teams_are_offered_in_one_menu(home: Home) -> None:
    for n in range(8):
        home.store.save_team(Team(name=f"team-{n}"))
    view = home.open_tab(BOB)
    menus = [e for b in view["blocks"] for e in b.get("elements", [])
             if e.get("type") == "static_select"]
    assert len(menus) == 1 and len(menus[0]["options"]) == 9

    home.click(BOB, HOME_JOIN, "", selected="team-5")

    member = home.store.get_member(BOB)
    assert member is not None and member.team == "team-5"


def test_leave_button_leaves_and_the_tab_says_so(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.open_tab(ALICE)

    home.click(ALICE, HOME_LEAVE, DEFAULT_TEAM)

    assert home.store.get_member(ALICE) is None
    assert "You have left standup" in texts(home.tab(ALICE))


def test_a_forged_join_value_joins_nothing(home: Home) -> None:
    home.open_tab(BOB)
    response = home.click(BOB, f"{HOME_JOIN}.0", "no such team with spaces")
    assert response.status_code == 200
    assert home.store.get_member(BOB) is None
    assert home.store.list_updates(DEFAULT_TEAM, DATE) == []  # not taken as an update
    assert "That is not a team Marvin knows" in texts(home.tab(BOB))


def test_a_big_team_and_many_teams_stay_within_100_blocks(home: Home) -> None:
    home.slack.world.set_user(BOSS, admin=True)
    for n in range(150):
        user = f"U{n:06d}"
        home.store.save_member(Member(user, DEFAULT_TEAM, user))
        home.store.append_update(DEFAULT_TEAM, DATE, user, "x", NOW)
    for n in range(80):
        home.store.save_team(Team(name=f"t{n:03d}"))
    home.store.save_member(Member(BOSS, DEFAULT_TEAM, "boss"))

    view = home.open_tab(BOSS)  # the stand-in refuses a view over 100 blocks

    assert len(view["blocks"]) <= 100
    shown = texts(view)
    assert "Posted so far: 150 of 151" in shown and "and 120 more" in shown
    assert "more team(s) not shown" in shown


# Admins ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["workspace-admin", "MARVIN_ADMINS"])
def test_admin_edits_a_schedule_in_a_modal(home: Home, how: str) -> None:
    admin = ALICE if how == "workspace-admin" else BOSS
    if how == "workspace-admin":
        home.slack.world.set_user(ALICE, admin=True)
    home.store.save_team(Team(name="ops", channel="#ops"))
    view = home.open_tab(admin)
    assert "Teams (admins)" in texts(view) and HOME_EDIT_SCHEDULE in action_ids(view)

    home.click(admin, HOME_EDIT_SCHEDULE, "ops")

    modal = home.slack.world.views.opened()[-1]
    assert modal["callback_id"] == SCHEDULE_VIEW
    response = home.submit(admin, modal, schedule_values())
    assert response.status_code == 200 and response.text in ("", "{}")
    team = home.store.get_team("ops")
    assert team == Team("ops", "Europe/Paris", "09:45", "09:15", (0, 2), "#eng")
    assert "Saved the schedule of team ops." in texts(home.tab(admin))


def test_bad_schedule_answers_errors_under_each_field_and_saves_nothing(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    home.open_tab(BOSS)
    home.click(BOSS, HOME_EDIT_SCHEDULE, "ops")
    modal = home.slack.world.views.opened()[-1]

    response = home.submit(BOSS, modal, schedule_values(zone="Mars/Olympus", days=(),
                                                        channel="not a channel"))

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"zone", "days", "channel"}
    assert "IANA time zone" in answer["errors"]["zone"]
    assert home.store.get_team("ops") == Team(name="ops")


def test_a_non_admin_cannot_open_or_submit_the_schedule(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    home.open_tab(ALICE)

    home.click(ALICE, HOME_EDIT_SCHEDULE, "ops")
    assert home.slack.world.views.opened() == []
    assert "Only workspace admins" in texts(home.tab(ALICE))

    from marvin.interactions.schedule_modal import schedule_modal

    forged = {**schedule_modal(Team(name="ops")), "id": "V1"}  # a view replayed by hand
    answer = home.submit(ALICE, forged, schedule_values()).json()
    assert answer["response_action"] == "errors"
    assert home.store.get_team("ops") == Team(name="ops")


def test_a_schedule_for_a_deleted_team_says_so(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    home.open_tab(BOSS)
    home.click(BOSS, HOME_EDIT_SCHEDULE, "ops")
    modal = home.slack.world.views.opened()[-1]
    home.store.delete_team("ops")

    answer = home.submit(BOSS, modal, schedule_values()).json()

    assert answer == {"response_action": "errors", "errors": {"zone": "Team ops no longer exists."}}
    assert home.store.get_team("ops") is None


def test_when_users_info_fails_the_tab_still_publishes_in_team_time(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.slack.fail_next("users.info", status=200, error="ratelimited")

    view = home.open_tab(ALICE)

    assert "(UTC)" in texts(view)


def test_an_event_for_another_tab_publishes_nothing(home: Home) -> None:
    body = event_body(app_home_opened(ALICE, tab="messages"))
    assert home.post(body, JSON_CONTENT_TYPE).status_code == 200
    assert home.slack.calls_to("views.publish") == []


def test_url_verification_is_answered_with_the_challenge(home: Home) -> None:
    body = json.dumps({"token": "t", "challenge": "3eZbrw1aB", "type": "url_verification"})
    response = home.post(body.encode(), JSON_CONTENT_TYPE)
    assert response.status_code == 200 and "3eZbrw1aB" in response.text


@pytest.mark.parametrize("body", [
    b'{"type": "event_callback"}',
    b'{"type": "event_callback", "event": {"user": "U1"}}',
    b'{"type": "url_verification"}',
    b'{"type": "block_actions"}',
    b"[]",
])
def test_malformed_events_are_refused_with_400(home: Home, body: bytes) -> None:
    assert home.post(body, JSON_CONTENT_TYPE).status_code == 400


def test_stored_update_renders_even_without_posting_today(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.store.append_update(DEFAULT_TEAM, "2026-11-17", ALICE, "yesterday's", NOW)
    view = home.open_tab(ALICE)
    shown = texts(view)
    assert "_Nothing yet._" in shown and "yesterday's" not in shown
    assert "Write my update" in shown


def test_edit_opens_the_update_modal_prefilled(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    question = Team().questions[0]
    home.store.save_answers(DEFAULT_TEAM, DATE, ALICE,
                            (Answer(question.id, question.label, "typed earlier"),), NOW)
    view = home.open_tab(ALICE)
    assert "home.edit_update" in action_ids(view)

    response = home.click(ALICE, "home.edit_update", DATE)

    assert response.status_code == 200
    modal = home.slack.world.views.opened()[-1]
    assert modal["callback_id"] == UPDATE_MODAL
    assert '"initial_value": "typed earlier"' in json.dumps(modal)


def test_edit_from_a_tab_left_open_past_its_date_says_so(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.open_tab(ALICE)

    home.click(ALICE, "home.edit_update", "2026-11-17")  # yesterday's tab

    assert home.slack.world.views.opened() == []
    assert "17 November" in texts(home.tab(ALICE))


def test_an_unknown_button_or_view_is_acked_and_changes_nothing(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.open_tab(ALICE)
    publishes = len(home.slack.calls_to("views.publish"))

    button = home.click(ALICE, "from.an.older.marvin", "x")
    view = home.submit(ALICE, {"type": "modal", "callback_id": "old.view", "id": "V9",
                               "blocks": []}, {})

    assert button.status_code == 200 and view.status_code == 200
    assert len(home.slack.calls_to("views.publish")) == publishes
    assert home.store.get_member(ALICE) == Member(ALICE, DEFAULT_TEAM, "alice")


def test_a_button_without_a_user_changes_nothing(home: Home) -> None:
    payload = block_actions_in_view(ALICE, button_action(HOME_LEAVE, DEFAULT_TEAM),
                                    home.slack.world.views.issue(), {"id": "V1"})
    del payload["user"]
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    response = home.post(interaction_body(payload))
    assert response.status_code in (200, 400)
    assert home.store.get_member(ALICE) is not None


def test_the_admin_view_lists_the_members_slack_cannot_reach(home: Home) -> None:
    home.store.save_team(Team(name="ops", channel="#ops"))
    home.store.save_member(Member(BOB, "ops", "bob", inactive_since=DATE,
                                  inactive_reason="account_inactive"))
    home.store.save_member(Member(ALICE, "ops", "alice"))
    view = home.open_tab(BOSS)
    shown = texts(view)
    assert "*ops* · 2 member(s)" in shown
    assert f"inactive in Slack (not reminded): <@{BOB}>\n" in shown + "\n"
    assert f"<@{ALICE}>" not in shown
