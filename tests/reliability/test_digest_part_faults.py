"""A digest of several messages meeting Slack's faults between its parts: no part twice.

55 members who all posted make a two-part digest; a `ChatAPI` wrapper arms a fault in the
stand-in once the first part is out, so the *second* part meets a 429, a 5xx, a timeout
or a refusal. However often the run is retried or re-run, each part goes out once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from flows.services import Services
from marvin.domain.delivery_records import read_detail
from marvin.domain.models import DeliveryKind
from marvin.engine import ThreadExecutor
from marvin.slack.protocol import ChatAPI
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    STANDUP_AT,
    TEAM,
    add_members,
    assert_retry_after_honoured,
    faulted,
    post_update,
    run,
    services_on,
)

DIGEST_CHANNEL = "#general"


class FaultBetweenParts:
    """A `ChatAPI` that, once the first digest part is out, arms a fault in the stand-in, so
    the *second* part meets it (the stand-in's queue would otherwise hit the first). Every
    call is delegated as it comes, whatever the protocol's current signature."""

    def __init__(self, inner: ChatAPI, arm: Callable[[], None]) -> None:
        self.inner, self.arm, self.posted = inner, arm, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post_message(self, *args: Any, **kwargs: Any) -> str:
        ts = self.inner.post_message(*args, **kwargs)
        self.posted += 1
        if self.posted == 1:
            self.arm()
        return ts


BIG_TEAM = tuple(f"U{n:04d}" for n in range(1, 56))  # 55 updates: the digest needs 2 messages


def two_part_digest(
    store: Store, standin: SlackStandIn, arm: Callable[[], None], **chat_options: Any
) -> Services:
    """55 members who all posted, and a chat that arms a fault once part 1 is out."""
    add_members(store, BIG_TEAM)
    for user_id in BIG_TEAM:
        post_update(store, user_id, f"update from {user_id}")
    plain = services_on(standin.url, store, at=STANDUP_AT, **chat_options)
    return replace(plain, chat=cast(ChatAPI, FaultBetweenParts(plain.chat, arm)))


def digest_parts(standin: SlackStandIn, tally: Counter[str]) -> list[str]:
    """The header of each digest part that went out, and no part twice."""
    parts = standin.posted_messages(DIGEST_CHANNEL)
    headers = [str(p["blocks"][0]["text"]["text"]) for p in parts]
    tally["faults injected"] += len(faulted(standin))
    tally["duplicates"] += len(headers) - len(set(headers))
    assert len(headers) == len(set(headers)), headers
    return headers


def test_a_rate_limit_on_the_second_part_of_a_digest_never_repeats_the_first(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    services = two_part_digest(
        store, standin, lambda: standin.fail_next("chat.postMessage", 1, status=429,
                                                  retry_after=1)
    )

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    assert first.state.is_successful(), first.state
    assert again.task_run("post_digest").state.is_skipped()
    assert len(digest_parts(standin, tally)) == 2
    assert_retry_after_honoured(standin)


def test_a_second_part_that_fails_is_posted_by_the_tasks_retry(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Part 2 gets a 500 after part 1 went out. Slack may or may not have posted it, so the
    client does not re-post blindly: the claim is handed over, and the engine's retry asks
    Slack which parts it has and posts only part 2."""
    services = two_part_digest(
        store, standin, lambda: standin.fail_next("chat.postMessage", 1, status=500)
    )

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    headers = digest_parts(standin, tally)  # never part 1 twice, whatever happens
    tally["messages lost"] += 2 - len(headers)
    assert first.state.is_successful(), first.state
    assert first.task_run("post_digest").run_count == 2
    assert again.task_run("post_digest").state.is_skipped()
    assert len(headers) == 2, headers
    assert standin.posted_messages(ALERTS) == []
    (digest,) = [d for d in store.list_deliveries(TEAM, DATE) if d.kind == DeliveryKind.DIGEST]
    assert digest.sent and len(read_detail(digest).timestamps) == 2  # both parts' ts


def test_a_second_part_failing_past_every_retry_is_posted_by_a_rerun(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Part 2 fails on all 4 engine tries: the run fails and alerts that 1 of 2 messages
    went out; a re-run, once Slack is back, posts part 2 and only part 2."""
    services = two_part_digest(
        store, standin, lambda: standin.fail_next("chat.postMessage", 4, status=503)
    )

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    parts_after_first = len(standin.posted_messages(DIGEST_CHANNEL))
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    headers = digest_parts(standin, tally)
    tally["messages lost"] += 2 - len(headers)
    state = first.task_run("post_digest").state
    assert state.is_failed() and "1 of 2 messages sent" in (state.message or ""), state
    assert "asks Slack what went out" in (state.message or "")
    [alert] = standin.posted_messages(ALERTS)
    assert "1 of 2 messages sent" in alert["text"]
    assert parts_after_first == 1
    assert again.state.is_successful(), again.state
    assert len(headers) == 2 and "(continued)" in headers[1], headers


def test_a_second_part_that_times_out_but_went_out_is_not_posted_again(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Part 2 is accepted, but answered after the client's timeout: Marvin cannot know it
    went out. The retry asks Slack, finds both parts, and posts nothing more."""
    services = two_part_digest(
        store, standin, lambda: standin.set_latency(0.6, "chat.postMessage"), timeout=0.3
    )

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    standin.set_latency(0)
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    headers = digest_parts(standin, tally)
    tally["faults injected"] += 1  # the late answer
    assert first.state.is_successful(), first.state
    assert again.task_run("post_digest").state.is_skipped()
    assert len(headers) == 2, headers
    assert len(standin.calls_to("chat.postMessage")) == 2  # nothing re-posted
