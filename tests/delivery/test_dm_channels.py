"""DMs in one call (``chat.postMessage`` to the user id) and the DM channel kept per member,
through `SlackWebChat` against the stand-in and a real SQLite store."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.delivery.outbox import Outbox
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.slack.client import SlackWebChat
from marvin.slack.protocol import PostedDM, SlackError
from marvin.store.sqlite.store import SqliteStore
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_world import BOT_USER_ID

NOW = dt.datetime(2026, 11, 23, 8, 30, tzinfo=dt.UTC)
KEY = DeliveryKey.reminder("default", "2026-11-23", "U1")


def chat_on(standin: SlackStandIn) -> SlackWebChat:
    return SlackWebChat("xoxb-test", standin.url, max_retries=0)


def outbox(store: SqliteStore, standin: SlackStandIn) -> Outbox:
    return Outbox(store, chat_on(standin), lambda: NOW, lease_seconds=300)


def send(store: SqliteStore, standin: SlackStandIn, key: DeliveryKey = KEY) -> None:
    with outbox(store, standin).claim(key) as out:
        out.post_dm(key.target, "Standup in 30 minutes!")


def test_a_dm_is_one_call_to_the_user_id_and_its_channel_is_kept(
    sqlite_store: SqliteStore, standin: SlackStandIn
) -> None:
    send(sqlite_store, standin)
    send(sqlite_store, standin, DeliveryKey.nudge("default", "2026-11-23", "U1"))

    assert [(c.method, c.params["channel"]) for c in standin.calls] == [
        ("chat.postMessage", "U1"), ("chat.postMessage", "U1")]  # 1.0 call per DM
    prefs = sqlite_store.get_member_prefs("U1")
    assert prefs is not None and prefs.dm_channel == "DU1"
    reminder = next(d for d in sqlite_store.list_deliveries("default", "2026-11-23")
                    if d.kind is KEY.kind)
    assert read_detail(reminder) == Sent("DU1", (standin.world.messages("DU1")[0]["ts"],))


def test_taking_over_reads_the_kept_dm_without_opening_it(
    sqlite_store: SqliteStore, standin: SlackStandIn
) -> None:
    sqlite_store.save_dm_channel("U1", "DU1")
    posted = chat_on(standin).post_dm("U1", "hello", key=str(KEY))  # the dead run's DM
    sqlite_store.claim_delivery(KEY, NOW, "resumable: killed")
    standin.reset_calls()

    send(sqlite_store, standin)

    assert [c.method for c in standin.calls] == ["conversations.history"]
    [delivery] = sqlite_store.list_deliveries("default", "2026-11-23")
    assert read_detail(delivery) == Sent("DU1", (posted.ts,))


def test_taking_over_without_a_kept_dm_opens_it_once_and_keeps_it(
    sqlite_store: SqliteStore, standin: SlackStandIn
) -> None:
    sqlite_store.claim_delivery(KEY, NOW, "resumable: killed")  # nothing went out

    send(sqlite_store, standin)

    assert [c.method for c in standin.calls] == [
        "conversations.open", "conversations.history", "chat.postMessage"]
    assert standin.calls[-1].params["channel"] == "DU1"
    prefs = sqlite_store.get_member_prefs("U1")
    assert prefs is not None and prefs.dm_channel == "DU1"


def test_the_stand_in_answers_a_dm_to_a_user_id_as_slack_does(standin: SlackStandIn) -> None:
    chat = chat_on(standin)
    assert chat.post_dm("U1", "hi") == PostedDM("DU1", standin.world.messages("DU1")[0]["ts"])
    standin.world.delete_user("U2")  # Slack keeps a deactivated member's DM: accepted
    assert chat.post_dm("U2", "hi").channel == "DU2"
    standin.world.forget_user("U3")
    with pytest.raises(SlackError) as unknown:
        chat.post_dm("U3", "hi")
    assert (unknown.value.error, unknown.value.permanent) == ("channel_not_found", True)
    with pytest.raises(SlackError) as bot:
        chat.post_dm(BOT_USER_ID, "hi")
    assert bot.value.error == "cannot_dm_bot"
    with pytest.raises(SlackError) as bot_dm:
        chat.open_dm(BOT_USER_ID)
    assert bot_dm.value.error == "cannot_dm_bot"
