"""The update modal's JSON and a submission read back: pure, no Slack, no store."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.models import Answer, Member, Question, Team, Update
from marvin.interactions.standup_command import handle_standup
from marvin.interactions.update_form import button_expired, skip_day
from marvin.interactions.update_modal import (
    Form,
    FormField,
    NotOurForm,
    form_answers,
    read_form,
    update_view,
    version_stamp,
)
from marvin.settings import Settings
from marvin.store.base import StoreError
from marvin.store.sqlite.store import SqliteStore

DATE = "2026-11-18"
NOW = dt.datetime(2026, 11, 18, 8, 0, tzinfo=dt.UTC)


def submitted(view: dict[str, object], values: dict[str, str | None]) -> dict[str, object]:
    state = {b: {"answer": {"type": "plain_text_input", "value": v}} for b, v in values.items()}
    return {**view, "state": {"values": state}}


def test_the_version_stamp_changes_with_answers_not_with_free_text() -> None:
    base = Update("default", DATE, "U1", ("typed",), answers=(Answer("q1", "Q", "a"),))
    assert version_stamp(base) == version_stamp(Update("default", DATE, "U1",
                                                       answers=base.answers))
    assert version_stamp(base) != version_stamp(Update("default", DATE, "U1",
                                                       answers=(Answer("q1", "Q", "b"),)))
    assert version_stamp(None) == version_stamp(Update("default", DATE, "U1"))


def test_a_view_reads_back_as_the_form_it_was() -> None:
    view = update_view(Team(), DATE, None)
    form = read_form(submitted(view, {"q1": "did", "q2": None, "q3": "none"}))
    assert (form.team, form.date, form.version) == ("default", DATE, version_stamp(None))
    assert form.fields[1] == FormField("q2", "What will you do today?", True, "")
    assert [a.question_id for a in form_answers(form, Team())] == ["q1", "q3"]
    assert form_answers(form, Team())[1].blockers  # the team says q3 is the blockers question


def test_answers_keep_the_label_the_person_saw() -> None:
    form = Form("default", DATE, "", (FormField("q1", "Old label?", True, " x "),))
    renamed = Team(questions=(Question("q1", "New label?", blockers=True),))
    assert form_answers(form, renamed) == (Answer("q1", "Old label?", "x", blockers=True),)


@pytest.mark.parametrize("view", [
    None, "V1", {"callback_id": "other"},
    {"callback_id": "marvin_update", "private_metadata": "", "blocks": []},
    {"callback_id": "marvin_update", "private_metadata": '{"team": "x"}', "blocks": []},
    {"callback_id": "marvin_update", "private_metadata": '{"team":"a","date":"b","version":"c"}',
     "blocks": [{"type": "input", "block_id": "q1", "label": {"text": "Q"}}],
     "state": {"values": {"q1": {"answer": {"value": 5}}}}},
])
def test_anything_else_is_not_our_form(view: object) -> None:
    with pytest.raises(NotOurForm):
        read_form(view)


def test_prefill_comes_from_the_stored_answers_or_the_values_given() -> None:
    stored = Update("default", DATE, "U1", answers=(Answer("q2", "Q", "stored"),))
    inputs = [b for b in update_view(Team(), DATE, stored)["blocks"] if b["type"] == "input"]
    assert inputs[1]["element"]["initial_value"] == "stored"
    shown = update_view(Team(), DATE, stored, values={"q1": "typed"})
    inputs = [b for b in shown["blocks"] if b["type"] == "input"]
    assert inputs[0]["element"]["initial_value"] == "typed"
    assert "initial_value" not in inputs[1]["element"]


def test_a_button_is_only_good_for_its_own_date(sqlite_store: SqliteStore) -> None:
    assert button_expired(sqlite_store, Team(), DATE, NOW) == ""
    assert "was for *Tuesday 17 November*" in button_expired(sqlite_store, Team(), "2026-11-17",
                                                             NOW)
    assert "does not say which standup" in button_expired(sqlite_store, Team(), "garbage", NOW)


def test_skip_with_a_dead_store_says_it_did_not_happen(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object) -> None:
        raise StoreError("down")

    monkeypatch.setattr(sqlite_store, "get_member", down)
    said = skip_day(sqlite_store, Settings(_env_file=None), "U1", DATE, NOW)  # type: ignore[call-arg]
    assert "*not* marked as skipping" in said


def test_show_and_clear_include_answers_and_show_a_skip(sqlite_store: SqliteStore) -> None:
    settings = Settings(_env_file=None, timezone="UTC", standup_time="09:00",  # type: ignore[call-arg]
                        standup_days="mon-fri")
    sqlite_store.save_member(Member("U0001", "default", "ann", DATE))

    def say(text: str) -> str:
        return handle_standup(sqlite_store, settings, user_id="U0001", user_name="ann",
                              text=text, now=NOW).text

    sqlite_store.set_skipped("default", DATE, "U0001", True, NOW)
    assert say("show").startswith("You are skipping standup on *Wednesday 18 November*")
    sqlite_store.save_answers("default", DATE, "U0001", (Answer("q1", "Done?", "a <b>"),), NOW)
    assert say("show") == "Your update for *Wednesday 18 November*:\n*Done?*\na &lt;b&gt;"
    assert say("clear").endswith("It was:\n*Done?*\na &lt;b&gt;")
    assert sqlite_store.get_update("default", DATE, "U0001") is None
