"""Time off over real HTTP, on both stores: signed `/standup away|back` commands, and the
App Home's Away section, its "Plan time off" modal and its "Back" button (payloads as
Slack sends them; every view checked by the stand-in as Slack would)."""

from __future__ import annotations

from typing import Any

from marvin.domain.models import DEFAULT_TEAM, Absence, Member
from marvin.interactions.app_home import HOME_AWAY, HOME_BACK
from marvin.interactions.away_modal import AWAY_VIEW, END, REASON, START
from tests.slack.home_harness import ALICE, Home, action_ids, texts
from tests.slack.test_app_http import USER, Marvin, healthy, marvin  # noqa: F401

# Both modules' clock: Wednesday 18 November 2026, 08:00 UTC (the default team is in UTC).


def away_values(start: str, end: str = "", reason: str = "") -> dict[str, Any]:
    """``view.state.values`` of the time-off modal as Slack fills it (empty: null)."""
    return {block: {block: {"type": "plain_text_input", "value": value or None}}
            for block, value in ((START, start), (END, end), (REASON, reason))}


def test_away_back_and_the_list_as_slash_commands(marvin: Marvin) -> None:  # noqa: F811
    marvin.store.save_member(Member(USER, DEFAULT_TEAM, "alice"))

    saved = marvin.answer("away fri..mon <!here> conference")
    assert saved.startswith("You are away *Friday 20 November* to *Monday 23 November*")
    assert "&lt;!here&gt; conference" in saved
    assert marvin.store.list_absences(USER) == [
        Absence(USER, "2026-11-20", "2026-11-23", "<!here> conference")]
    assert "Friday 20 November" in marvin.answer("away")
    refused = marvin.answer("away 2026-11-17")
    assert refused.startswith("Nothing was saved") and "in the past" in refused
    assert "cancelled your next time off" in marvin.answer("back")
    assert marvin.store.list_absences(USER) == []
    assert marvin.answer("away from the keyboard").startswith("Thanks! Saved your update")


def test_the_home_tab_lists_time_off_and_plans_more_in_a_modal(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    view = home.open_tab(ALICE)
    assert "No time off planned." in texts(view)
    assert HOME_AWAY in action_ids(view) and HOME_BACK not in action_ids(view)

    home.click(ALICE, HOME_AWAY, DEFAULT_TEAM)
    modal = home.slack.world.views.opened()[-1]
    assert modal["callback_id"] == AWAY_VIEW
    response = home.submit(ALICE, modal, away_values("2026-12-24", "2027-01-02", "<b>&co"))

    assert response.status_code == 200 and response.text in ("", "{}")
    assert home.store.list_absences(ALICE) == [
        Absence(ALICE, "2026-12-24", "2027-01-02", "<b>&co")]
    shown = texts(home.tab(ALICE))
    assert "Thursday 24 December 2026* to *Saturday 2 January 2027*: &lt;b&gt;&amp;co" in shown
    assert HOME_BACK in action_ids(home.tab(ALICE))


def test_mistakes_in_the_modal_come_back_under_their_fields(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.open_tab(ALICE)
    home.click(ALICE, HOME_AWAY, DEFAULT_TEAM)
    modal = home.slack.world.views.opened()[-1]

    cases = {("someday", "", ""): START, ("2026-12-24", "2026-12-01", ""): END,
             ("2026-11-17", "", ""): START, ("tomorrow", "", "x" * 201): REASON}
    for values, field in cases.items():
        answer = home.submit(ALICE, modal, away_values(*values)).json()
        assert answer["response_action"] == "errors" and set(answer["errors"]) == {field}
    assert home.store.list_absences(ALICE) == []


def test_back_on_the_home_tab_ends_time_off_under_way(home: Home) -> None:
    home.store.save_member(Member(ALICE, DEFAULT_TEAM, "alice"))
    home.store.save_absence(Absence(ALICE, "2026-11-16", "2026-11-20", "flu"))
    assert "flu" in texts(home.open_tab(ALICE))

    home.click(ALICE, HOME_BACK, DEFAULT_TEAM)

    assert home.store.list_absences(ALICE) == [Absence(ALICE, "2026-11-16", "2026-11-17", "flu")]
    assert "Welcome back!" in texts(home.tab(ALICE))
