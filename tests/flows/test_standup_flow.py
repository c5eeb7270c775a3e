"""The standup flow end to end: one digest per channel and date, escaped, split, idempotent.

The clock is at the Monday 09:00 standup; U0001 and U0002 have posted, U0003 and U0004 not.
"""

from __future__ import annotations

import io
import json
from typing import Any, cast

import pytest

from marvin.app import run_flow
from marvin.cli.by_hand import describe_earlier, scheduled_digest
from marvin.domain.digest import MAX_BLOCKS_PER_MESSAGE, NO_UPDATES
from marvin.domain.models import DeliveryKind, Member
from marvin.engine import Executor, LocalExecutor
from marvin.slack.dry_run import DryRunChat
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.flows.conftest import (
    DATE,
    STANDUP_AT,
    TEAM,
    FixedClock,
    MakeServices,
    add_members,
    post_update,
)

SNEAKY = "<!channel> shipped *v2* & fixed <https://evil.example|this link>"


@pytest.fixture(autouse=True)
def at_standup_time(clock: FixedClock) -> None:
    clock.at = STANDUP_AT


def seed(store: Store) -> None:
    add_members(store)
    post_update(store, "U0001", SNEAKY)
    post_update(store, "U0002", "Reviews, then the release notes.")


def texts(message: dict[str, Any]) -> list[str]:
    """Every piece of text in a posted message: the fallback and each block's text."""
    found = [str(message["text"])]
    for block in message.get("blocks") or []:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def digests(store: Store, date: str = DATE) -> list[str]:
    return [
        d.target
        for d in store.list_deliveries(TEAM, date)
        if d.kind is DeliveryKind.DIGEST and d.sent
    ]


class CountingStore:
    """A store that notes the name of every method called on it."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return attribute(*args, **kwargs)

        return counted


@pytest.mark.parametrize(
    ("parameter", "channel", "missing", "author"),
    [
        (None, "#general", "<@U0003>, <@U0004>", "<@U0002>"),
        # by hand elsewhere: people are named, never pinged
        ("#testing", "#testing", "Member U0003, Member U0004", "Member U0002"),
    ],
)
def test_posts_one_escaped_digest_to_the_channel_parameter(
    store: Store,
    standin: SlackStandIn,
    make_services: MakeServices,
    parameter: str | None,
    channel: str,
    missing: str,
    author: str,
) -> None:
    seed(store)

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": parameter}, make_services(),
        executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    # Slack's conversations.* take ids, and reading history needs membership: resolve, join.
    assert [c.method for c in standin.calls] == [
        "conversations.list", "conversations.info", "conversations.join", "chat.postMessage"
    ]
    [message] = standin.posted_messages(channel)
    assert message["channel"] == standin.world.channel_id(channel)
    everything = texts(message)
    assert "<!channel>" not in json.dumps(message)  # in no text and no block
    assert any("&lt;!channel&gt; shipped *v2* &amp; fixed &lt;https://evil.example|this link&gt;"
               in text for text in everything)
    assert "Standup for Monday 8 June" in everything
    assert "Standup for Monday 8 June: 2 posted, 2 missing" == message["text"]
    assert f"No update from: {missing}" in everything
    assert any(text.startswith(f"*{author}*\nReviews") for text in everything)
    assert digests(store) == [channel]


def test_a_by_hand_digest_to_another_channel_pings_nobody(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    """Names are user text: escaped, so a name cannot ping or link either."""
    add_members(store, ("U0001",))
    store.save_member(Member("U0002", TEAM, "<!channel> Bob"))
    store.save_member(Member("U0003", TEAM, ""))  # no name: the bare id
    post_update(store, "U0001", "did things")

    run = run_flow("standup", {"team": TEAM, "standup_channel": "#testing"}, make_services(),
                   executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    [message] = standin.posted_messages("#testing")
    assert "<@" not in json.dumps(message) and "<!channel>" not in json.dumps(message)
    assert "No update from: &lt;!channel&gt; Bob, U0003" in texts(message)
    assert any(text.startswith("*Member U0001*\ndid things") for text in texts(message))


def test_a_member_who_joined_after_the_standup_is_not_missing_from_it(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    add_members(store, ("U0001",))
    store.save_member(Member("U0002", TEAM, "Late", joined_on="2026-06-09"))

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    [message] = standin.posted_messages("#general")
    assert message["text"] == "Standup for Monday 8 June: 0 posted, 1 missing"


def test_by_hand_sees_the_digest_the_schedule_posted(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    team = make_services().team(TEAM)
    assert scheduled_digest(store, team, DATE) is None
    run_flow("standup", {"team": TEAM, "standup_channel": "#testing"}, make_services(),
             executor=LocalExecutor())
    assert scheduled_digest(store, team, DATE) is None  # #testing is not the schedule's

    run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    earlier = scheduled_digest(store, team, DATE)
    assert earlier is not None and earlier.sent and earlier.target == "#general"
    assert describe_earlier(team, earlier).startswith(
        f"the digest for {DATE} was posted to #general on schedule at 2026-06-08 09:00 UTC; "
        "nothing sent (--force sends it anyway)")


def test_a_second_run_does_not_post_again_and_force_does(
    store: Store, standin: SlackStandIn, make_services: MakeServices, executor: Executor
) -> None:
    seed(store)
    services = make_services()
    first = run_flow("standup", {"team": TEAM}, services, executor=executor)
    assert first.state.is_successful(), first.state

    again = run_flow("standup", {"team": TEAM}, services, executor=executor)

    assert again.state.is_successful(), again.state
    post = again.task_run("post_digest").state
    assert post.is_skipped()
    assert post.message == f"the digest for {DATE} was already posted to #general"
    assert len(standin.posted_messages("#general")) == 1

    forced = run_flow("standup", {"team": TEAM, "force": True}, services, executor=executor)

    assert forced.task_run("post_digest").state.name == "Success"
    assert len(standin.posted_messages("#general")) == 2
    assert digests(store) == ["#general"]


def test_sixty_long_updates_go_out_in_several_messages_of_at_most_50_blocks(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    members = tuple(f"U{1000 + i}" for i in range(60))
    add_members(store, members)
    for i, user_id in enumerate(members):
        post_update(store, user_id, f"update {i}: " + "all the things " * 300)  # ~4,500 chars

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    messages = standin.posted_messages("#general")
    assert len(messages) >= 3
    assert all(len(m["blocks"]) <= MAX_BLOCKS_PER_MESSAGE for m in messages)
    assert all(m["blocks"][0]["type"] == "header" for m in messages)
    assert [m["text"].endswith(f"(part {n} of {len(messages)})")
            for n, m in enumerate(messages, 1)] == [True] * len(messages)
    everything = "\n".join(text for m in messages for text in texts(m))
    assert all(f"*<@{user_id}>*\nupdate {i}: " in everything for i, user_id in enumerate(members))
    assert "Everyone posted" in everything
    assert digests(store) == ["#general"]


def test_a_server_error_is_retried_and_the_digest_posted_once(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    standin.fail_next("chat.postMessage", status=500)

    run = run_flow("standup", {"team": TEAM}, make_services(), executor=LocalExecutor())

    assert run.state.is_successful(), run.state
    assert [c.outcome for c in standin.calls_to("chat.postMessage")] == ["http:500", "ok"]
    assert len(standin.posted_messages("#general")) == 1


def test_a_missing_channel_fails_alerts_and_gives_the_claim_back(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    standin.fail_for_channel("#general", "channel_not_found")
    services = make_services(alert_channel="#alerts")

    run = run_flow("standup", {"team": TEAM}, services, executor=LocalExecutor())

    post = run.task_run("post_digest")
    assert post.state.is_failed()
    assert post.state.message == "could not post the digest to #general: channel_not_found"
    assert post.run_count == 1  # permanent: no retries
    assert run.state.is_failed()
    [alert] = standin.posted_messages("#alerts")
    assert "*standup* run failed" in alert["text"] and "channel_not_found" in alert["text"]
    assert store.list_deliveries(TEAM, DATE) == []

    standin.reset()  # the channel exists again
    rerun = run_flow("standup", {"team": TEAM}, services, executor=LocalExecutor())

    assert rerun.state.is_successful(), rerun.state
    assert len(standin.posted_messages("#general")) == 1
    assert digests(store) == ["#general"]


def test_a_date_without_updates_gets_one_no_updates_message(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)  # updates are for 2026-06-08 only

    run = run_flow(
        "standup", {"team": TEAM, "date": "2026-06-01", "standup_channel": "#testing"},
        make_services(), executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    [message] = standin.posted_messages()
    assert message["channel"] == standin.world.channel_id("#testing")
    everything = texts(message)
    assert NO_UPDATES in everything
    assert "Standup for Monday 1 June" in everything
    assert ("No update from: Member U0001, Member U0002, Member U0003, Member U0004"
            in everything)  # named, not pinged: a by-hand run to #testing


def test_the_flow_reads_all_updates_with_one_query(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    counting = CountingStore(store)

    run = run_flow(
        "standup", {"team": TEAM}, make_services(store=cast(Store, counting)),
        executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    assert counting.calls.count("list_updates") == 1
    assert "get_update" not in counting.calls
    assert len(standin.posted_messages("#general")) == 1


def test_dry_run_prints_the_digest_and_claims_nothing(
    store: Store, standin: SlackStandIn, make_services: MakeServices
) -> None:
    seed(store)
    out = io.StringIO()

    run = run_flow(
        "standup", {"team": TEAM, "standup_channel": "#testing"},
        make_services(chat=DryRunChat(out), dry_run=True), executor=LocalExecutor(),
    )

    assert run.state.is_successful(), run.state
    assert out.getvalue().startswith("would post to #testing: Standup for Monday 8 June")
    assert standin.calls == []
    assert store.list_deliveries(TEAM, DATE) == []
