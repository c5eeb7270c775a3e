"""Admins edit a team's questions from the Home tab, over real HTTP, on both stores.

Reuses the Home tab harness of `test_app_home`; the modal is the one the stand-in opened
(and would have refused had Slack), submitted with ``view.state.values`` as Slack fills it.
"""

from __future__ import annotations

from typing import Any

from marvin.domain.models import DEFAULT_QUESTIONS, Answer, Question, Team
from marvin.interactions.app_home import HOME_EDIT_QUESTIONS
from marvin.interactions.questions_modal import QUESTIONS_VIEW
from tests.slack.home_harness import (
    ALICE,
    BOSS,
    DATE,
    NOW,
    Home,
    action_ids,
    texts,
)


def values(labels: dict[int, str | None], flags: dict[int, list[str]] | None = None
           ) -> dict[str, Any]:
    """``view.state.values`` of the questions modal: every slot as Slack sends it."""
    state: dict[str, Any] = {}
    for slot in range(1, 11):
        state[f"label-{slot}"] = {f"label-{slot}": {"type": "plain_text_input",
                                                    "value": labels.get(slot)}}
        chosen = (flags or {}).get(slot, [])
        state[f"flags-{slot}"] = {f"flags-{slot}": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": c}, "value": c} for c in chosen]}}
    return state


def open_questions(home: Home, team: str = "ops") -> dict[str, Any]:
    home.open_tab(BOSS)
    home.click(BOSS, HOME_EDIT_QUESTIONS, team)
    modal = home.slack.world.views.opened()[-1]
    assert modal["callback_id"] == QUESTIONS_VIEW
    return modal


def test_admins_see_each_teams_questions_with_an_edit_button(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    view = home.open_tab(BOSS)
    assert HOME_EDIT_QUESTIONS in action_ids(view)
    assert "3. Anything blocking you? _(optional, blockers)_" in texts(view)


def test_rewording_removing_and_adding_keeps_the_ids_of_kept_questions(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    home.store.save_answers("ops", DATE, ALICE, (Answer("q1", "old", "shipped"),), NOW)
    modal = open_questions(home)

    response = home.submit(BOSS, modal, values(
        {1: "What did you ship?", 2: "", 3: "Blocked?", 4: "Mood?"},
        {3: ["blockers", "optional"], 4: ["optional"]}))

    assert response.status_code == 200 and response.text in ("", "{}")
    team = home.store.get_team("ops")
    assert team is not None
    q1, q3, _default2, _default3 = DEFAULT_QUESTIONS[0], DEFAULT_QUESTIONS[2], None, None
    assert team.questions[0] == Question(q1.id, "What did you ship?")
    assert team.questions[1] == Question(q3.id, "Blocked?", required=False, blockers=True)
    assert team.questions[2].label == "Mood?" and not team.questions[2].required
    assert team.questions[2].id not in {q.id for q in DEFAULT_QUESTIONS}  # a fresh id
    assert "Saved the questions of team ops." in texts(home.tab(BOSS))


def test_no_question_left_or_a_label_too_long_saves_nothing(home: Home) -> None:
    home.store.save_team(Team(name="ops"))
    modal = open_questions(home)

    empty = home.submit(BOSS, modal, values({})).json()
    too_long = home.submit(BOSS, modal, values({1: "x" * 151, 2: "fine"})).json()

    assert empty == {"response_action": "errors",
                     "errors": {"label-1": "A team needs at least one question."}}
    assert too_long["response_action"] == "errors" and set(too_long["errors"]) == {"label-1"}
    assert home.store.get_team("ops") == Team(name="ops")


def test_a_non_admin_cannot_open_or_submit_the_questions(home: Home) -> None:
    from marvin.interactions.questions_modal import questions_modal

    home.store.save_team(Team(name="ops"))
    home.open_tab(ALICE)
    home.click(ALICE, HOME_EDIT_QUESTIONS, "ops")
    assert home.slack.world.views.opened() == []

    forged = {**questions_modal(Team(name="ops")), "id": "V1"}
    answer = home.submit(ALICE, forged, values({1: "hijacked"})).json()
    assert answer["response_action"] == "errors"
    assert home.store.get_team("ops") == Team(name="ops")
