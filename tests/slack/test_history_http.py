# ruff: noqa: F811  (the fixtures imported from test_app_http are parameters here)
"""`/standup history` end to end over real HTTP (signed slash commands), on both stores:
answers per question, escaped, newest first, within Slack's limits, and only within a team."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from marvin.domain.models import Answer, Member, Team
from marvin.interactions.standup_command import NOT_READ
from marvin.interactions.standup_history import MAX_COUNT
from marvin.store.base import StoreError
from marvin.testing.signing import signed_headers, slash_command_body
from marvin.testing.slack_limits_check import check_message
from tests.slack.test_app_http import SECRET, Marvin, healthy, marvin  # noqa: F401 (fixtures)

# The answer shows updates of the last two years (on the real clock): dates near today.
AT = dt.datetime.combine(dt.datetime.now(dt.UTC).date() - dt.timedelta(days=20),
                         dt.time(9), tzinfo=dt.UTC)
DAYS = [(AT.date() + dt.timedelta(days=n)).isoformat() for n in range(12)]


def history(marvin: Marvin, text: str, user_id: str = "U0001") -> dict[str, Any]:
    body = slash_command_body(text=f"history {text}".strip(), user_id=user_id)
    response = marvin.post(body, signed_headers(SECRET, body))
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()
    assert payload["response_type"] == "ephemeral"
    assert check_message(payload) is None, "the answer must be within Slack's limits"
    return payload


def shown(payload: dict[str, Any]) -> str:
    return "\n".join(b["text"]["text"] for b in payload.get("blocks", [])) or payload["text"]


def seed(marvin: Marvin) -> None:
    store = marvin.store
    store.save_team(Team("ops"))
    store.save_team(Team("web"))
    for user, team in (("U0001", "ops"), ("U0002", "ops"), ("U0003", "web")):
        store.save_member(Member(user, team, f"name-{user}"))
    for day, date in enumerate(DAYS):
        done = Answer("q1", "What did you do?", f"day {day} <!channel> & co")
        store.save_answers("ops", date, "U0002", (done,), AT + dt.timedelta(days=day))
    store.set_skipped("ops", DAYS[0], "U0001", True, AT)


def test_own_history_by_default_five_newest_first(marvin: Marvin) -> None:
    seed(marvin)
    marvin.store.save_answers("ops", DAYS[1], "U0001", (Answer("q1", "Did?", "ship"),), AT)
    text = shown(history(marvin, ""))
    assert "Your last 2 updates in team *ops*" in text
    assert text.index(DAYS[1]) < text.index(DAYS[0])
    assert "*Did?*\nship" in text and "_skipped_" in text


def test_a_teammates_history_by_mention_escaped_and_counted(marvin: Marvin) -> None:
    seed(marvin)
    for mention in ("<@U0002|name-U2>", "&lt;@U0002|name-U0002&gt;", "<@U0002>", "@name-U0002"):
        text = shown(history(marvin, f"{mention} 3"))
        assert "<@U0002>'s last 3 updates" in text, mention
        assert [d for d in DAYS if d in text] == DAYS[-3:]
        assert "&lt;!channel&gt; &amp; co" in text and "<!channel>" not in text


def test_another_teams_history_is_refused_alike_for_strangers_and_unknowns(
    marvin: Marvin,
) -> None:
    seed(marvin)
    refused = shown(history(marvin, "<@U0003>"))
    assert "your own team only" in refused and "day" not in refused
    assert "your own team only" in shown(history(marvin, "<@U0009>"))
    assert "your own team only" in shown(history(marvin, "<@U0002>", user_id="U0003"))
    assert "not in a standup team" in shown(history(marvin, "", user_id="U0008"))


def test_bad_counts_say_so_and_words_make_an_update(marvin: Marvin) -> None:
    seed(marvin)
    assert f"N must be 1 to {MAX_COUNT}" in shown(history(marvin, "99"))
    assert f"N must be 1 to {MAX_COUNT}" in shown(history(marvin, "0"))
    answer = shown(history(marvin, "of the project explained"))
    assert answer.startswith("Thanks!")


def test_long_history_fits_one_answer_and_says_what_was_left_out(marvin: Marvin) -> None:
    seed(marvin)
    long = "x " * 2_900
    for day, date in enumerate(DAYS):
        marvin.store.save_answers("ops", date, "U0002", (Answer("q1", "Did?", long),),
                                  AT + dt.timedelta(days=day))
    payload = history(marvin, f"<@U0002> {MAX_COUNT}")  # within limits: checked in `history`
    assert "Older updates did not fit" in shown(payload)


def test_a_store_that_does_not_answer_says_so_in_time(
    marvin: Marvin, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(marvin)

    def down(*_args: object, **_kwargs: object) -> list[object]:
        raise StoreError("down")

    monkeypatch.setattr(marvin.store, "list_member_updates", down)
    assert shown(history(marvin, "")) == NOT_READ
