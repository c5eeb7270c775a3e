"""The digest's channel as Slack sees it: by id, with the bot a member, or a clear refusal.

Slack's ``conversations.*`` take ids only and reading history needs membership, so the
digest is posted by id after joining; a channel Marvin cannot use fails the run with what
to do (never a bare ``not_in_channel``), alerts, and leaves the claim free.
"""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.app import run_flow
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import Sent, read_detail
from marvin.domain.models import ChannelRef, DeliveryKind
from marvin.engine import LocalExecutor
from marvin.slack.client import SlackWebChat
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import DATE, STANDUP_AT, TEAM, FixedClock, MakeServices, add_members

DIGEST = DeliveryKind.DIGEST


@pytest.fixture(autouse=True)
def at_standup_time(clock: FixedClock) -> None:
    clock.at = STANDUP_AT


def methods(standin: SlackStandIn) -> list[str]:
    return [c.method for c in standin.calls]


def test_the_digest_is_posted_by_id_after_joining_and_its_id_is_recorded(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    general = standin.world.channel_id("#general")

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert [c.params["channel"] for c in standin.calls_to("chat.postMessage")] == [general]
    assert "UMARVIN" in standin.world.channel("#general").members  # joined: history readable
    assert store.get_channel("general") == ChannelRef("general", str(general))
    [delivery] = store.list_deliveries(TEAM, DATE)
    sent = read_detail(delivery)
    assert isinstance(sent, Sent)
    assert delivery.target == "#general" and sent.channel == general
    assert len(sent.timestamps) == 1


def test_the_kept_id_spares_the_next_run_the_channel_list(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    services = make_services()
    run_flow("standup", {"team": TEAM}, services, executor=LocalExecutor())
    standin.reset_calls()

    again = run_flow(
        "standup", {"team": TEAM, "force": True}, services, executor=LocalExecutor()
    )

    assert again.state.is_successful(), again.state
    assert methods(standin) == ["conversations.info", "chat.postMessage"]  # a member already


def test_a_kept_id_slack_no_longer_knows_is_looked_up_again(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    """#general was deleted and re-created: the kept id answers channel_not_found."""
    add_members(store)
    store.save_channel(ChannelRef("general", "C0DELETED1"))

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert len(standin.posted_messages("#general")) == 1
    assert store.get_channel("general") == ChannelRef(
        "general", str(standin.world.channel_id("#general"))
    )


def test_a_channel_given_by_id_is_used_as_is(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    testing = str(standin.world.channel_id("#testing"))

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": testing}, make_services(),
        executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    assert "conversations.list" not in methods(standin)
    assert len(standin.posted_messages(testing)) == 1


def test_a_private_channel_without_the_bot_says_invite_marvin_and_alerts(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    standin.world.add_channel("leads", private=True)
    services = make_services(alert_channel="#alerts")

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": "#leads"}, services,
        executor=LocalExecutor(),
    )

    post = run.task_run("post_digest")
    assert post.state.is_failed() and post.run_count == 1
    assert "invite @Marvin to #leads" in str(post.state.message)
    [alert] = standin.posted_messages("#alerts")
    assert "invite @Marvin to #leads" in alert["text"]
    assert standin.posted_messages("#leads") == []
    assert store.list_deliveries(TEAM, DATE) == []  # nothing claimed is left behind

    standin.world.invite_bot("#leads")
    rerun = run_flow(
        "standup", {"team": TEAM, "standup_channel": "#leads"}, services,
        executor=LocalExecutor(),
    )
    assert rerun.state.is_successful(), rerun.state
    assert len(standin.posted_messages("#leads")) == 1


def test_a_private_channel_with_the_bot_is_posted_to_without_joining(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)
    standin.world.add_channel("leads", private=True, bot_member=True)

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": "#leads"}, make_services(),
        executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    assert "conversations.join" not in methods(standin)
    assert len(standin.posted_messages("#leads")) == 1


def test_a_channel_that_does_not_exist_fails_with_one_clear_line(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store)

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": "#nope"}, make_services(),
        executor=LocalExecutor(),
    )

    post = run.task_run("post_digest")
    assert post.state.is_failed() and post.run_count == 1
    assert post.state.message == (
        "could not post the digest to #nope: Slack has no channel #nope that Marvin can see; "
        "check the name, or if it is private, invite @Marvin to #nope"
    )
    assert store.get_channel("nope") is None


def test_a_busy_channel_cannot_hide_an_earlier_digest(
    store: Store, standin: SlackStandIn, chat: SlackWebChat, make_services: MakeServices
) -> None:
    """A run died after its post reached Slack; 450 messages followed. The next run reads
    every page after the claim (``oldest``, by Slack's clock) and finds it."""
    add_members(store)
    general = str(standin.world.channel_id("#general"))
    crashed_at = STANDUP_AT - dt.timedelta(minutes=10)
    key = DeliveryKey.digest(TEAM, DATE, "#general")
    store.claim_delivery(key, crashed_at, "resumable: killed")
    chat.post_message(general, "the digest", key=f"{key}#0")
    standin.world.add_chatter("#general", 450, standin.next_ts)
    standin.world.invite_bot("#general")
    standin.reset_calls()

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert standin.calls_to("chat.postMessage") == []  # found, not posted again
    reads = standin.calls_to("conversations.history")
    assert len(reads) == 3  # 200 + 200 + 51: every page, cursor followed
    assert {float(r.params["oldest"]) for r in reads} == {crashed_at.timestamp() - 600}
    assert [bool(r.params.get("cursor")) for r in reads] == [False, True, True]
    assert store.list_deliveries(TEAM, DATE)[0].sent

