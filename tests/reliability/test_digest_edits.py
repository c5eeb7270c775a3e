"""Edits after the digest went out update it in place; late updates join it.

The digest is posted by the standup flow (as `marvin run standup` posts it); then signed
`/standup` commands arrive over real HTTP after standup time, and the stand-in counts the
``chat.update`` calls. Both stores.
"""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.models import DeliveryKind
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import DATE, STANDUP_AT, TEAM, add_members, post_update
from tests.reliability.digest_edits import post_digest, slash_commands

SIXTY = tuple(f"U{n:04d}" for n in range(1, 61))
LATER = STANDUP_AT + dt.timedelta(hours=3)  # Monday 12:00: the late window is open
NEXT_DAY = "2026-06-09"


def digest_record(store: Store, target: str = "#general") -> Sent:
    [record] = [d for d in store.list_deliveries(TEAM, DATE)
                if d.kind == DeliveryKind.DIGEST and d.target == target]
    state = read_detail(record)
    assert isinstance(state, Sent)
    return state


def shown(standin: SlackStandIn, channel: str = "#general") -> str:
    """Every text the channel's digest messages show now (blocks included)."""
    channel_id = standin.world.channel_id(channel)
    assert channel_id is not None
    return "\n".join(str(message) for message in standin.world.messages(channel_id))


def test_one_edit_in_a_sixty_person_digest_is_one_chat_update(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, SIXTY)
    for user in SIXTY:
        post_update(store, user, f"did the thing number {user}")
    assert post_digest(standin, store).state.is_successful()
    posted = digest_record(store)
    assert len(posted.timestamps) >= 2 and len(posted.parts) == len(posted.timestamps)
    standin.reset_calls()

    with slash_commands(standin, store, LATER) as slack:
        answer = slack.answer("also fixed the build", "U0042")
        slack.drain()

    assert answer.startswith("Thanks! Added your update (part 2) to *Monday 8 June*'s "
                             "standup, posted at 09:00 (UTC)")
    [update] = standin.calls_to("chat.update")
    assert update.outcome == "ok" and "also fixed the build" in str(update.params["blocks"])
    assert standin.calls_to("chat.postMessage") == []
    assert update.params["ts"] in posted.timestamps
    assert update.params["channel"] == standin.world.channel_id("#general")  # the id
    assert digest_record(store) != posted  # the edited part's new fingerprint is kept


def test_a_late_update_joins_the_posted_digest_and_clear_takes_it_out(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, ("U0001", "U0002"))
    post_update(store, "U0001", "on time")
    assert post_digest(standin, store).state.is_successful()

    with slash_commands(standin, store, LATER) as slack:
        answer = slack.answer("sorry, late: reviewed PRs", "U0002")
        slack.drain()
        assert "sorry, late: reviewed PRs" in shown(standin)
        assert "Everyone posted" in shown(standin)
        cleared = slack.answer("clear", "U0002")
        slack.drain()

    assert "*Monday 8 June*'s standup, posted at 09:00" in answer
    assert store.get_update(TEAM, DATE, "U0002") is None
    assert cleared.startswith("Cleared your update for *Monday 8 June*")
    assert "reviewed PRs" not in shown(standin) and "No update from" in shown(standin)
    assert len(standin.calls_to("chat.update")) == 2
    assert len(standin.calls_to("chat.postMessage")) == 1  # the digest, once


def test_after_the_late_window_an_update_goes_to_the_next_standup(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, ("U0001",))
    assert post_digest(standin, store).state.is_successful()
    next_reminder = dt.datetime(2026, 6, 9, 8, 30, tzinfo=dt.UTC)

    with slash_commands(standin, store, next_reminder) as slack:
        answer = slack.answer("tomorrow's news", "U0001")

    assert answer.startswith("Thanks! Saved your update for *Tuesday 9 June*.")
    assert store.get_update(TEAM, NEXT_DAY, "U0001") is not None
    assert standin.calls_to("chat.update") == []


def test_a_team_without_a_late_window_keeps_todays_behaviour(
    store: Store, standin: SlackStandIn
) -> None:
    from marvin.domain.models import Team

    store.save_team(Team(TEAM, late_until="off"))
    add_members(store, ("U0001",))
    assert post_digest(standin, store).state.is_successful()

    with slash_commands(standin, store, LATER) as slack:
        answer = slack.answer("news", "U0001")

    assert "*Tuesday 9 June*" in answer and standin.calls_to("chat.update") == []


def test_a_by_hand_digest_elsewhere_is_never_edited(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, ("U0001",))
    assert post_digest(standin, store, standup_channel="#testing").state.is_successful()

    with slash_commands(standin, store, LATER) as slack:
        answer = slack.answer("news", "U0001")

    # the team's own digest is not out: the update goes to the next standup, #testing stays
    assert "*Tuesday 9 June*" in answer and standin.calls_to("chat.update") == []


def test_refused_edits_never_fail_the_save_and_the_next_run_retries_them(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, ("U0001", "U0002"))
    post_update(store, "U0001", "on time")
    assert post_digest(standin, store).state.is_successful()
    errors = ["message_not_found", "cant_update_message", "edit_window_closed"]

    with slash_commands(standin, store, LATER) as slack:
        for n, error in enumerate(errors):
            standin.fail_next("chat.update", status=200, error=error)
            assert slack.answer(f"late {n}", "U0002").startswith("Thanks! Added your update")
            slack.drain()
        standin.fail_next("chat.update", status=429, retry_after=0, times=4)  # past retries
        assert slack.answer("late 3", "U0002").startswith("Thanks! Added your update")
        slack.drain()
        standin.fail_next("chat.update", status=503, times=4)
        assert slack.answer("late 4", "U0002").startswith("Thanks! Added your update")
        slack.drain()

    assert "late 4" not in shown(standin)  # every edit was refused ...
    update = store.get_update(TEAM, DATE, "U0002")
    assert update is not None and len(update.entries) == 5  # ... every save kept
    rerun = post_digest(standin, store, at=LATER)  # `marvin run standup`: skipped, synced
    task = rerun.task_run("post_digest").state
    assert task.is_skipped(), task
    assert "late 4" in shown(standin)
    assert "brought up to date: edited 1 message(s)" in str(task.message)


def test_a_digest_that_grows_past_its_parts_gets_one_more_message_once(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, ("U0001", "U0002"))
    post_update(store, "U0001", "short")
    assert post_digest(standin, store).state.is_successful()
    assert len(digest_record(store).timestamps) == 1

    with slash_commands(standin, store, LATER) as slack:
        slack.answer("long " * 3000, "U0002")  # 15,000 characters: two parts now
        slack.drain()
        slack.answer("and more", "U0001")
        slack.drain()

    posts = standin.calls_to("chat.postMessage")
    assert len(posts) == 2  # the digest, then its new part, once
    assert posts[1].params["metadata"]["event_payload"]["key"] == (
        f"digest/{TEAM}/{DATE}/#general#1#0")
    record = digest_record(store)
    assert len(record.timestamps) == 2 and [p.path for p in record.posted()] == ["0", "1"]


def test_over_socket_mode_an_edit_updates_the_digest_too(
    store: Store, standin: SlackStandIn
) -> None:
    from slack_bolt.request import BoltRequest

    from marvin.slack.app import build_app
    from tests.reliability.conftest import FixedClock, make_settings

    add_members(store, ("U0001", "U0002"))
    post_update(store, "U0001", "on time")
    assert post_digest(standin, store).state.is_successful()
    settings = make_settings(standin.url, slack_signing_secret="",
                             slack_app_token="xapp-1-A0123456789-1234567890-abcdef0123456789")
    bolt = build_app(settings, store, FixedClock(LATER))
    payload = {"command": "/standup", "text": "late over the socket", "user_id": "U0002",
               "user_name": "bob", "team_id": "T1", "channel_id": "C1"}

    response = bolt.dispatch(BoltRequest(body=payload, mode="socket_mode"))
    bolt.marvin_digest_sync.drain()  # type: ignore[attr-defined]

    assert response.status == 200 and "Added your update" in response.body
    [edit] = standin.calls_to("chat.update")
    assert "late over the socket" in str(edit.params["blocks"])


@pytest.mark.parametrize("opened_by", ["/standup", "the Home tab"])
def test_a_late_answer_in_the_modal_joins_the_posted_digest(
    store: Store, standin: SlackStandIn, opened_by: str
) -> None:
    add_members(store, ("U0001", "U0002"))
    post_update(store, "U0001", "did the first thing")
    assert post_digest(standin, store).state.is_successful()
    standin.reset_calls()

    with slash_commands(standin, store, LATER) as slack:
        home = DATE if opened_by == "the Home tab" else None
        ack = slack.submit_form("U0002", {"q1": "wrote the modal", "q2": "review it",
                                          "q3": None}, from_home=home)
        slack.drain()

    assert ack.get("response_action") == "update"  # the "Saved" view
    [edit] = standin.calls_to("chat.update")
    assert edit.outcome == "ok" and "wrote the modal" in str(edit.params["blocks"])
    assert "wrote the modal" in shown(standin)
    update = store.get_update(TEAM, DATE, "U0002")  # the posted date, not the next one
    assert update is not None and update.answers[0].text == "wrote the modal"
