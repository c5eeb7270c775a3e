# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""The update modal over real HTTP, on both stores: `/standup` opens it, a submission saves it.

The same server and fixtures as `test_app_http` (signed requests, the stand-in, a fixed
clock: Wednesday 18 November 2026, 08:00 UTC). Slack's side is the stand-in: it issued
each trigger_id, refuses it when used twice or late, records the ``views.open`` calls and
checks every view against Slack's limits. Submissions are built from the view the
stand-in opened, with ``view.state.values`` as Slack sends them.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from marvin.domain.models import DEFAULT_TEAM, Answer, Member, Team
from marvin.interactions.standup_command import HELP
from marvin.interactions.ui_ids import UPDATE_MODAL
from marvin.interactions.update_form import NOT_A_MEMBER, NOT_SAVED
from marvin.interactions.update_modal import REQUIRED
from marvin.store.base import Store, StoreError
from marvin.testing.interaction_payloads import interaction_body, view_submission
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_views import check_view
from tests.slack.test_app_http import (  # noqa: F401  (fixtures)
    DATE,
    SECRET,
    USER,
    Marvin,
    healthy,
    marvin,
)

Payload = dict[str, Any]


def join(store: Store, user_id: str = USER, team: str = DEFAULT_TEAM) -> None:
    store.save_member(Member(user_id, team, "alice", joined_on=DATE))


def open_modal(marvin: Marvin, *, trigger: str | None = None) -> httpx.Response:
    """`/standup` with no text, carrying a trigger_id the stand-in issued."""
    trigger = trigger or marvin.slack.issue_trigger()
    body = slash_command_body(text="", user_id=USER, trigger_id=trigger)
    return marvin.post(body, signed_headers(SECRET, body))


def opened_view(slack: SlackStandIn) -> Payload:
    """The view of the last successful views.open, as the stand-in opened it."""
    [*_, call] = [c for c in slack.calls_to("views.open") if c.outcome == "ok"]
    view = call.params["view"]
    return {**view, "id": "V1"} if isinstance(view, dict) else json.loads(view)


def submit(marvin: Marvin, view: Payload, values: dict[str, str | None],
           user_id: str = USER) -> httpx.Response:
    payload = view_submission(user_id, view, values, marvin.slack.issue_trigger())
    body = interaction_body(payload)
    return marvin.post(body, signed_headers(SECRET, body))


def ack_of(response: httpx.Response) -> Payload:
    assert response.status_code == 200, response.text
    if not response.content:
        return {}
    answer = response.json()
    assert isinstance(answer, dict)
    if "view" in answer:
        assert check_view(answer["view"]) == [], answer["view"]
    return answer


# Opening ------------------------------------------------------------------------------------


def test_standup_with_no_text_opens_the_modal_prefilled(marvin: Marvin) -> None:
    join(marvin.store)
    marvin.store.save_answers(DEFAULT_TEAM, DATE, USER, (Answer("q2", "Today?", "docs"),),
                              dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.UTC))
    trigger = marvin.slack.issue_trigger()

    response = open_modal(marvin, trigger=trigger)

    assert response.status_code == 200 and response.content == b""  # the modal is the answer
    [call] = marvin.slack.calls_to("views.open")
    assert call.outcome == "ok" and call.params["trigger_id"] == trigger
    view = opened_view(marvin.slack)
    assert view["callback_id"] == UPDATE_MODAL
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [(b["block_id"], b["optional"]) for b in inputs] == [
        ("q1", False), ("q2", False), ("q3", True)]
    assert inputs[1]["element"]["initial_value"] == "docs"
    assert "initial_value" not in inputs[0]["element"]
    assert json.loads(view["private_metadata"])["date"] == DATE


def test_not_a_member_is_told_how_to_join_and_no_modal_opens(marvin: Marvin) -> None:
    response = open_modal(marvin)

    assert response.status_code == 200
    assert response.json() == {"response_type": "ephemeral", "text": NOT_A_MEMBER}
    assert marvin.slack.calls_to("views.open") == []
    assert marvin.store.get_member(USER) is None  # opening a form joins nobody


def test_an_expired_or_reused_trigger_is_answered_not_lost(marvin: Marvin) -> None:
    join(marvin.store)
    late = marvin.slack.issue_trigger()
    marvin.slack.expire_trigger(late)
    answer = open_modal(marvin, trigger=late).json()
    assert "could not open the form" in answer["text"] and "expired_trigger_id" in answer["text"]

    trigger = marvin.slack.issue_trigger()
    assert open_modal(marvin, trigger=trigger).content == b""
    again = open_modal(marvin, trigger=trigger).json()  # a second use of one trigger
    assert "expired_trigger_id" in again["text"]
    made_up = open_modal(marvin, trigger="123.456.abc").json()
    assert "invalid_trigger_id" in made_up["text"]


def test_help_and_text_updates_keep_working(marvin: Marvin) -> None:
    body = slash_command_body(text="help", user_id=USER)
    assert marvin.post(body, signed_headers(SECRET, body)).json()["text"] == HELP
    assert "form" in HELP and "Skip today" in HELP
    assert marvin.answer("did things").startswith("Thanks! Saved your update")
    assert marvin.slack.calls_to("views.open") == []


# Submitting ---------------------------------------------------------------------------------


def test_a_submission_saves_the_answers_and_says_so(marvin: Marvin) -> None:
    join(marvin.store)
    marvin.answer("typed before")
    open_modal(marvin)
    view = opened_view(marvin.slack)

    answer = ack_of(submit(marvin, view, {"q1": "tests", "q2": "docs", "q3": None}))

    assert answer["response_action"] == "update"
    assert "Saved your update for *Wednesday 18 November*" in str(answer["view"])
    update = marvin.store.get_update(DEFAULT_TEAM, DATE, USER)
    assert update is not None and update.entries == ("typed before",)
    assert [(a.question_id, a.text, a.blockers) for a in update.answers] == [
        ("q1", "tests", False), ("q2", "docs", False)]
    assert update.answers[0].question == "What did you do since the last standup?"


def test_field_errors_are_shown_inline_and_nothing_is_saved(marvin: Marvin) -> None:
    join(marvin.store)
    open_modal(marvin)
    view = opened_view(marvin.slack)

    answer = ack_of(submit(marvin, view, {"q1": "  ", "q2": "x" * 3001, "q3": None}))

    assert answer == {"response_action": "errors", "errors": {
        "q1": REQUIRED, "q2": "At most 3,000 characters; this has 3,001."}}
    assert marvin.store.get_update(DEFAULT_TEAM, DATE, USER) is None


def test_a_stale_form_loses_neither_edit(marvin: Marvin) -> None:
    join(marvin.store)
    open_modal(marvin)
    first = opened_view(marvin.slack)
    open_modal(marvin)  # the same person, in another Slack window
    second = opened_view(marvin.slack)
    assert ack_of(submit(marvin, second, {"q1": "from window two", "q2": "b"}))
    marvin.answer("free text meanwhile")  # never a conflict: the form does not touch it

    answer = ack_of(submit(marvin, first, {"q1": "from window one", "q2": "a"}))

    assert answer["response_action"] == "update"
    refreshed = answer["view"]
    assert "changed elsewhere" in refreshed["blocks"][0]["text"]["text"]
    assert "from window two" in refreshed["blocks"][0]["text"]["text"]
    inputs = {b["block_id"]: b["element"].get("initial_value") for b in refreshed["blocks"]
              if b["type"] == "input"}
    assert inputs["q1"] == "from window one"  # what they typed here, still in the form
    stored = marvin.store.get_update(DEFAULT_TEAM, DATE, USER)
    assert stored is not None and stored.answers[0].text == "from window two"

    saved = ack_of(submit(marvin, {**refreshed, "id": "V1"},
                          {"q1": "from window one", "q2": "a"}))
    assert "Saved your update" in str(saved["view"])
    stored = marvin.store.get_update(DEFAULT_TEAM, DATE, USER)
    assert stored is not None and stored.answers[0].text == "from window one"
    assert stored.entries == ("free text meanwhile",)


def test_a_form_for_another_team_or_from_a_former_member_is_refused(marvin: Marvin) -> None:
    join(marvin.store)
    open_modal(marvin)
    view = opened_view(marvin.slack)
    marvin.store.save_team(Team("ops"))
    join(marvin.store, team="ops")

    moved = ack_of(submit(marvin, view, {"q1": "a", "q2": "b"}))
    assert moved["response_action"] == "errors"
    assert "now in team ops" in moved["errors"]["q1"]

    marvin.store.remove_member(USER)
    gone = ack_of(submit(marvin, view, {"q1": "a", "q2": "b"}))
    assert "no longer in a standup team" in gone["errors"]["q1"]
    assert marvin.store.list_updates(DEFAULT_TEAM, DATE) == []
    assert marvin.store.list_updates("ops", DATE) == []


def test_unknown_or_mangled_forms_get_a_clear_answer(marvin: Marvin) -> None:
    join(marvin.store)
    open_modal(marvin)
    view = opened_view(marvin.slack)
    unknown = ack_of(submit(marvin, {**view, "callback_id": "someone_elses"}, {"q1": "a"}))
    assert "does not know this form" in str(unknown["view"])
    mangled = ack_of(submit(marvin, {**view, "private_metadata": "{not json"}, {"q1": "a"}))
    assert "not one Marvin can read" in str(mangled["view"])
    assert marvin.store.get_update(DEFAULT_TEAM, DATE, USER) is None


def test_a_dead_store_keeps_the_modal_open_saying_nothing_was_saved(
    marvin: Marvin, monkeypatch: pytest.MonkeyPatch
) -> None:
    join(marvin.store)
    open_modal(marvin)
    view = opened_view(marvin.slack)

    def down(*args: object, **kwargs: object) -> None:
        raise StoreError("down")

    monkeypatch.setattr(marvin.store, "get_member", down)
    answer = ack_of(submit(marvin, view, {"q1": "a", "q2": "b"}))
    assert answer == {"response_action": "errors", "errors": {"q1": NOT_SAVED}}


def test_answers_to_questions_removed_since_are_kept(marvin: Marvin) -> None:
    join(marvin.store)
    old = Answer("q9", "A question since removed?", "still mine")
    marvin.store.save_answers(DEFAULT_TEAM, DATE, USER, (old,),
                              dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.UTC))
    open_modal(marvin)
    ack_of(submit(marvin, opened_view(marvin.slack), {"q1": "a", "q2": "b"}))
    stored = marvin.store.get_update(DEFAULT_TEAM, DATE, USER)
    assert stored is not None and [a.question_id for a in stored.answers] == ["q1", "q2", "q9"]
