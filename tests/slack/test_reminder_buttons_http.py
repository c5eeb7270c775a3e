# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""A whole standup without typing a command, over real HTTP, on both stores.

The reminder flow DMs each member with "Write my update" and "Skip today"; clicks and the
modal's submission come back as signed ``block_actions`` / ``view_submission`` payloads
shaped as Slack sends them; the standup flow then posts the digest with answers per
question and blockers on top. Slack is the stand-in throughout.
"""

from __future__ import annotations

from typing import Any

import httpx

from flows import get_flow
from flows.services import use_services
from marvin.app import build_services
from marvin.domain.models import DEFAULT_TEAM, Member
from marvin.engine import FakeClock, LocalExecutor
from marvin.interactions.ui_ids import SKIP_TODAY, WRITE_UPDATE
from marvin.slack.client import SlackWebChat
from marvin.testing.interaction_payloads import block_actions, interaction_body
from marvin.testing.signing import signed_headers
from tests.slack.test_app_http import (  # noqa: F401  (fixtures)
    DATE,
    NOW,
    SECRET,
    TOKEN,
    Marvin,
    healthy,
    make_settings,
    marvin,
)
from tests.slack.test_update_modal_http import ack_of, opened_view, submit

ANN, BOB, CAT = "U0ANN", "U0BOB", "U0CAT"


def run_flow(marvin: Marvin, name: str, **parameters: Any) -> None:
    chat = SlackWebChat(TOKEN, marvin.slack.url, timeout=2, max_retries=0)
    services = build_services(make_settings(marvin.slack.url, executor="local"), marvin.store,
                              chat=chat, now=lambda: NOW)
    with use_services(services):
        run = get_flow(name).run({"team": DEFAULT_TEAM, "date": DATE, **parameters},
                                 executor=LocalExecutor(), clock=FakeClock())
    assert run.state.is_successful(), run.state


def reminder_dm(marvin: Marvin, user_id: str) -> dict[str, Any]:
    """The last message in the bot's DM with `user_id`, as the stand-in keeps it."""
    messages = marvin.slack.world.messages(f"D{user_id}")
    assert messages, f"no DM to {user_id}"
    return messages[-1]


def click(marvin: Marvin, user_id: str, action_id: str, value: str | None = None,
          trigger: str | None = None) -> httpx.Response:
    """Press a button of the reminder DM to `user_id` (its own value unless `value`)."""
    message = reminder_dm(marvin, user_id)
    buttons = {e["action_id"]: e for b in message.get("blocks", []) if b["type"] == "actions"
               for e in b["elements"]}
    pressed = value if value is not None else buttons[action_id]["value"]
    payload = block_actions(user_id, action_id, pressed, trigger or marvin.slack.issue_trigger(),
                            f"D{user_id}", message["ts"], message=message)
    body = interaction_body(payload)
    return marvin.post(body, signed_headers(SECRET, body))


def test_reminder_button_modal_digest_with_blockers_on_top(marvin: Marvin) -> None:
    for user_id in (ANN, BOB, CAT):
        marvin.store.save_member(Member(user_id, DEFAULT_TEAM, user_id.lower(), DATE))
    run_flow(marvin, "reminder")
    dm = reminder_dm(marvin, ANN)
    assert [b["type"] for b in dm["blocks"]] == ["section", "actions"]
    assert "Standup for *Wednesday 18 November*" in dm["text"]  # the notification fallback

    trigger = marvin.slack.issue_trigger()
    assert click(marvin, ANN, WRITE_UPDATE, trigger=trigger).status_code == 200
    [opened] = marvin.slack.calls_to("views.open")
    assert opened.outcome == "ok" and opened.params["trigger_id"] == trigger
    saved = ack_of(submit(marvin, opened_view(marvin.slack), {
        "q1": "shipped <the> *digest*", "q2": "the modal", "q3": "waiting on <!channel> keys"},
        user_id=ANN))
    assert "Saved your update" in str(saved["view"])

    assert click(marvin, BOB, SKIP_TODAY).status_code == 200
    [update_call] = marvin.slack.calls_to("chat.update")
    assert update_call.outcome == "ok" and update_call.params["channel"] == f"D{BOB}"
    skipped_dm = reminder_dm(marvin, BOB)
    assert "You are skipping standup on *Wednesday 18 November*" in skipped_dm["text"]
    assert all(b["type"] != "actions" for b in skipped_dm["blocks"])  # no buttons left
    bob = marvin.store.get_update(DEFAULT_TEAM, DATE, BOB)
    assert bob is not None and bob.skipped

    marvin.slack.reset_calls()
    run_flow(marvin, "reminder", force=True)  # again, on purpose: who still needs a nudge?
    assert [c.params["channel"] for c in marvin.slack.calls_to("chat.postMessage")] == [CAT]

    run_flow(marvin, "standup")
    [digest] = marvin.slack.posted_messages("#general")
    texts = [b.get("text", {}).get("text") or b["elements"][0]["text"]
             for b in digest["blocks"][1:]]
    assert texts[0] == ("*:warning: Blockers*\n"
                        f"• <@{ANN}>: waiting on &lt;!channel&gt; keys")
    assert texts[1] == (f"*<@{ANN}>*\n"
                        "*What did you do since the last standup?*\n"
                        "shipped &lt;the&gt; *digest*\n\n"
                        "*What will you do today?*\nthe modal\n\n"
                        "*Anything blocking you?*\nwaiting on &lt;!channel&gt; keys")
    assert texts[2:] == [f"Skipped today: <@{BOB}>", f"No update from: <@{CAT}>"]
    assert "1 posted, 1 missing, 1 skipped" in digest["text"]


def test_buttons_from_another_day_say_so_and_do_nothing(marvin: Marvin) -> None:
    marvin.store.save_member(Member(ANN, DEFAULT_TEAM, "ann", DATE))
    run_flow(marvin, "reminder")
    for action in (WRITE_UPDATE, SKIP_TODAY):
        assert click(marvin, ANN, action, value="2026-11-17").status_code == 200
    assert marvin.slack.calls_to("views.open") == []
    assert marvin.store.get_update(DEFAULT_TEAM, DATE, ANN) is None
    said = reminder_dm(marvin, ANN)["text"]
    assert said.startswith("This reminder was for *Tuesday 17 November*")
    assert "For *Wednesday 18 November*, use `/standup`" in said


def test_a_former_member_pressing_a_button_is_told_and_nothing_is_stored(
    marvin: Marvin,
) -> None:
    marvin.store.save_member(Member(ANN, DEFAULT_TEAM, "ann", DATE))
    run_flow(marvin, "reminder")
    marvin.store.remove_member(ANN)
    assert click(marvin, ANN, SKIP_TODAY).status_code == 200
    assert "no longer in a standup team" in reminder_dm(marvin, ANN)["text"]
    assert marvin.store.get_update(DEFAULT_TEAM, DATE, ANN) is None


def test_an_unknown_button_gets_an_ephemeral_answer(marvin: Marvin) -> None:
    marvin.store.save_member(Member(ANN, DEFAULT_TEAM, "ann", DATE))
    run_flow(marvin, "reminder")
    assert click(marvin, ANN, "from_an_older_version", value="x").status_code == 200
    [said] = marvin.slack.calls_to("chat.postEphemeral")
    assert said.params["user"] == ANN and "does not know this button" in said.params["text"]


def test_malformed_interactions_are_400_and_never_reach_a_listener(marvin: Marvin) -> None:
    good = block_actions(ANN, SKIP_TODAY, DATE, "1.2.3", f"D{ANN}", "1.0")
    bad_payloads: list[Any] = [
        {**good, "user": "U0ANN"}, {**good, "user": {"name": "x"}}, {**good, "actions": {}},
        {**good, "actions": ["x"]}, {"type": "view_submission", "user": {"id": ANN}},
        {"type": "view_submission", "user": {"id": ANN}, "view": "V1"}, {"type": 3}, [good],
        # Bolt reads these unguarded before any listener: each would be a 500
        {"type": "view_submission", "user": {"id": ANN}, "view": {"callback_id": "x"}},
        {**good, "actions": [{"value": DATE}]},
    ]
    for payload in bad_payloads:
        body = interaction_body(payload)
        response = marvin.post(body, signed_headers(SECRET, body))
        assert response.status_code == 400, (payload, response.text)
    raw = b"payload=%7Bnot+json"
    assert marvin.post(raw, signed_headers(SECRET, raw)).status_code == 400
    assert marvin.slack.calls_to("chat.update") == []
    assert marvin.store.get_update(DEFAULT_TEAM, DATE, ANN) is None
