"""Thread mode: one parent summary and one reply per person, each posted once across
retries and crashes, edited in place, and late replies added. Both stores."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, cast

from marvin.delivery.digest_thread import reply_key
from marvin.domain.models import Team
from marvin.engine import LocalExecutor
from marvin.slack.client import SlackWebChat
from marvin.slack.protocol import ChatAPI
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import (
    DATE,
    STANDUP_AT,
    TEAM,
    TOKEN,
    add_members,
    post_update,
    run,
    services_on,
)
from tests.reliability.digest_edits import ArmAfterFirstPost, post_digest, slash_commands

LATER = STANDUP_AT + dt.timedelta(hours=3)
PEOPLE = ("U0001", "U0002", "U0003", "U0004")


def thread_team(store: Store) -> None:
    store.save_team(Team(TEAM, digest_mode="thread"))


def key_of(post: dict[str, Any]) -> str:
    return str(post["metadata"]["event_payload"]["key"])


def replies_by_key(standin: SlackStandIn) -> dict[str, int]:
    """How many messages in #general's threads carry each key."""
    general = standin.world.channel_id("#general")
    assert general is not None
    counts: dict[str, int] = {}
    for message in standin.world.messages(general):
        if message.get("thread_ts", message["ts"]) != message["ts"]:
            key = message["metadata"]["event_payload"]["key"]
            counts[key] = counts.get(key, 0) + 1
    return counts


def test_a_parent_summary_and_one_reply_per_person_once(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, PEOPLE[:3])
    post_update(store, "U0001", "built the thread mode")
    post_update(store, "U0002", "reviewed it")

    first = post_digest(standin, store)
    again = post_digest(standin, store)

    assert first.state.is_successful(), first.state
    assert again.task_run("post_digest").state.is_skipped()
    parent, *replies = standin.posted_messages("#general")
    assert "thread_ts" not in parent and key_of(parent) == f"digest/{TEAM}/{DATE}/#general#0"
    summary = str(parent["blocks"])
    assert "2 posted" in summary and "<@U0001>" in summary and "1 missing:* <@U0003>" in summary
    assert [key_of(r) for r in replies] == [
        f"{reply_key(TEAM, DATE, '#general', user)}#0" for user in ("U0001", "U0002")]
    root = standin.world.messages(str(standin.world.channel_id("#general")))[0]["ts"]
    assert all(r["thread_ts"] == root for r in replies)
    assert "built the thread mode" in str(replies[0]["blocks"])


def test_an_edit_updates_that_persons_reply_and_a_late_update_adds_one(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, PEOPLE[:3])
    post_update(store, "U0001", "on time")
    post_update(store, "U0002", "also on time")
    assert post_digest(standin, store).state.is_successful()
    standin.reset_calls()

    with slash_commands(standin, store, LATER) as slack:
        slack.answer("and one more thing", "U0002")
        slack.drain()
        [edit] = standin.calls_to("chat.update")  # the reply only: the summary is the same
        assert "and one more thing" in str(edit.params["blocks"])
        assert standin.calls_to("chat.postMessage") == []

        answer = slack.answer("late, sorry", "U0003")
        slack.drain()

    assert "*Monday 8 June*'s standup, posted at 09:00" in answer
    [late] = standin.calls_to("chat.postMessage")
    assert late.params["thread_ts"] and "late, sorry" in str(late.params["blocks"])
    assert key_of(late.params) == f"{reply_key(TEAM, DATE, '#general', 'U0003')}#0"
    summary_edit = standin.calls_to("chat.update")[-1]
    assert "3 posted" in str(summary_edit.params["blocks"])
    assert "Everyone posted" in str(summary_edit.params["blocks"])


def test_a_crash_between_two_replies_the_rerun_posts_only_the_missing_ones(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, PEOPLE)
    post_update(store, "U0001", "one")
    assert post_digest(standin, store).state.is_successful()  # parent + U0001's reply
    for user in PEOPLE[1:]:
        post_update(store, user, f"news from {user}")
    # What a run killed mid-thread leaves behind: U0002's reply claimed and posted but
    # never completed; U0003's claimed, killed before posting; U0004's never claimed.
    chat = SlackWebChat(TOKEN, standin.url)
    general = str(standin.world.channel_id("#general"))
    root = standin.world.messages(general)[0]["ts"]
    crashed_at = STANDUP_AT - dt.timedelta(minutes=30)  # older than the lease
    posted = reply_key(TEAM, DATE, "#general", "U0002")
    store.claim_delivery(posted, crashed_at)
    chat.post_message(general, "news from U0002", key=f"{posted}#0", thread_ts=root)
    store.claim_delivery(reply_key(TEAM, DATE, "#general", "U0003"), crashed_at)
    standin.reset_calls()

    rerun = post_digest(standin, store, at=LATER)

    assert rerun.state.is_successful(), rerun.state
    assert standin.calls_to("conversations.replies")  # the lookup reads the thread
    assert replies_by_key(standin) == {
        f"{reply_key(TEAM, DATE, '#general', user)}#0": 1 for user in PEOPLE}
    sent = {d.target for d in store.list_deliveries(TEAM, DATE) if d.sent}
    assert {reply_key(TEAM, DATE, "#general", u).target for u in PEOPLE} <= sent


def test_a_very_long_update_is_several_replies_each_keyed(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, ("U0001",))
    post_update(store, "U0001", "word " * 4000)  # 20,000 characters

    assert post_digest(standin, store).state.is_successful()

    keys = sorted(replies_by_key(standin))
    base = reply_key(TEAM, DATE, "#general", "U0001")
    assert keys == [f"{base}#{n}" for n in range(len(keys))] and len(keys) >= 2


def test_a_reply_whose_answer_is_lost_is_found_in_the_thread_not_posted_twice(
    store: Store, standin: SlackStandIn
) -> None:
    """Slack posts the reply, then answers 500: the keyed post is not retried, and the
    thread (``conversations.replies``, not the channel's history) shows it went out."""
    thread_team(store)
    add_members(store, PEOPLE[:2])
    post_update(store, "U0001", "one")
    post_update(store, "U0002", "two")
    services = services_on(standin.url, store, STANDUP_AT)
    arm = lambda: standin.fail_next("chat.postMessage", status=500, after_acting=True)  # noqa: E731
    faulty = replace(services, chat=cast(ChatAPI, ArmAfterFirstPost(services.chat, arm)))

    result = run("standup", {"team": TEAM}, faulty, LocalExecutor())

    assert result.state.is_successful(), result.state
    assert [c.outcome for c in standin.calls_to("chat.postMessage")] == ["ok", "http:500", "ok"]
    assert len(standin.calls_to("conversations.replies")) == 1
    assert replies_by_key(standin) == {
        f"{reply_key(TEAM, DATE, '#general', user)}#0": 1 for user in PEOPLE[:2]}


def test_a_digest_keeps_the_layout_it_was_posted_in_when_the_mode_changes(
    store: Store, standin: SlackStandIn
) -> None:
    add_members(store, PEOPLE[:2])
    post_update(store, "U0001", "on time")
    assert post_digest(standin, store).state.is_successful()  # a message digest
    thread_team(store)  # switched after it went out

    with slash_commands(standin, store, LATER) as slack:
        slack.answer("late", "U0002")
        slack.drain()

    assert [c.params.get("thread_ts") for c in standin.calls_to("chat.postMessage")] == [None]
    [edit] = standin.calls_to("chat.update")
    assert "late" in str(edit.params["blocks"]) and "update-1-0" in str(edit.params["blocks"])
    rerun = post_digest(standin, store, at=LATER)
    assert rerun.task_run("post_digest").state.is_skipped()
    assert len(standin.calls_to("chat.postMessage")) == 1


def test_a_thread_with_no_updates_gets_its_first_late_reply(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, PEOPLE[:2])
    assert post_digest(standin, store).state.is_successful()  # nobody posted: parent only
    store.save_team(Team(TEAM))  # back to message mode: this digest stays a thread

    with slash_commands(standin, store, LATER) as slack:
        slack.answer("first!", "U0001")
        slack.drain()

    parent, reply = standin.calls_to("chat.postMessage")
    assert reply.params["thread_ts"] and "first!" in str(reply.params["blocks"])
    [summary] = standin.calls_to("chat.update")
    assert "1 posted" in str(summary.params["blocks"])


def test_a_reply_slack_refuses_is_posted_by_the_tasks_retry_once(
    store: Store, standin: SlackStandIn
) -> None:
    thread_team(store)
    add_members(store, PEOPLE[:2])
    post_update(store, "U0001", "one")
    post_update(store, "U0002", "two")
    services = services_on(standin.url, store, STANDUP_AT)
    arm = lambda: standin.fail_next("chat.postMessage", status=200, error="internal_error")  # noqa: E731
    faulty = replace(services, chat=cast(ChatAPI, ArmAfterFirstPost(services.chat, arm)))

    result = run("standup", {"team": TEAM}, faulty, LocalExecutor())

    assert result.state.is_successful(), result.state
    assert result.task_run("post_digest").run_count == 2
    assert replies_by_key(standin) == {
        f"{reply_key(TEAM, DATE, '#general', user)}#0": 1 for user in PEOPLE[:2]}
