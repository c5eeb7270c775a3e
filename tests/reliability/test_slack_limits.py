"""Digests too big for one Slack message: every budget kept, every update out exactly once.

The stand-in refuses what Slack refuses (`marvin.testing.slack_limits_check`), so these
post against Slack's real limits, cumulative block text included. When Slack refuses a
part anyway (its undocumented limit may move: injected here as ``msg_blocks_too_long``),
the part goes out as two halves, each with its own delivery key, and a failure or crash
between halves neither repeats a half nor loses one, on SQLite and Firestore.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from flows.services import Services
from marvin.domain.delivery_records import read_detail
from marvin.domain.models import DeliveryKind
from marvin.engine import ThreadExecutor
from marvin.slack.protocol import ChatAPI
from marvin.store import Store
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_limits_check import check_message
from tests.reliability.conftest import (
    ALERTS,
    DATE,
    STANDUP_AT,
    TEAM,
    TOKEN,
    add_members,
    post_update,
    run,
    services_on,
)
from tests.support.digest_parts import unescape, updates_in

CHANNEL = "#general"
TOO_BIG = {"status": 200, "error": "msg_blocks_too_long"}
MARVIN = Path(sys.executable).with_name("marvin")


def update_text(index: int, size: int) -> str:
    """``size`` characters of mixed text, different per member, with markup to escape."""
    line = f"{index}: shipped <!channel> & fixed <#C1|x> — 修正した, готово 👍🏽 🇫🇷 👨‍👩‍👧 "
    text = ""
    while len(text) < size:
        text += line + ("\n" if len(text) % 3 == 0 else "")
    return text[:size].strip()


def seed(store: Store, members: int, size: int) -> dict[str, str]:
    """`members` members who each posted `size` characters; their mention -> the update."""
    user_ids = tuple(f"U{n:04d}" for n in range(1, members + 1))
    add_members(store, user_ids)
    texts = {}
    for n, user_id in enumerate(user_ids):
        texts[f"<@{user_id}>"] = update_text(n, size)
        post_update(store, user_id, texts[f"<@{user_id}>"])
    return texts


def keys(standin: SlackStandIn, channel: str = CHANNEL) -> list[str]:
    return [
        str(m["metadata"]["event_payload"]["key"]).rpartition("#")[2]
        for m in standin.posted_messages(channel)
    ]


def assert_complete(standin: SlackStandIn, texts: dict[str, str], tally: Counter[str]) -> None:
    """Every message Slack's limits accept, every update in them exactly once, whole."""
    messages = standin.posted_messages(CHANNEL)
    assert all(check_message(m) is None for m in messages)
    found = updates_in(messages)
    tally["duplicates"] += sum(len(v) - 1 for v in found.values())
    tally["messages lost"] += len(set(texts) - set(found))
    assert found == {who: [text] for who, text in texts.items()}
    part_keys = keys(standin)
    assert len(part_keys) == len(set(part_keys)), part_keys


def marvin_env(standin: SlackStandIn, tmp_path: Path, request: pytest.FixtureRequest,
               **extra: str) -> dict[str, str]:
    """The environment for a ``marvin`` process on this test's store and stand-in."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "MARVIN_", "GOOGLE_"))}
    env.update(SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=standin.url, COLUMNS="200", **extra)
    if "firestore" in request.node.callspec.id:
        env.update(MARVIN_STORE="firestore",
                   GOOGLE_CLOUD_PROJECT=request.getfixturevalue("firestore_project"))
    else:
        env.update(MARVIN_STORE=f"sqlite:///{tmp_path / 'marvin.db'}")
    return env


RUN_STANDUP = [str(MARVIN), "run", "standup", "--date", DATE, "--channel", CHANNEL]


@pytest.mark.parametrize(("members", "size"), [(15, 1_000), (60, 2_500)])
def test_big_digests_post_completely_through_marvin_run_standup(
    store: Store, standin: SlackStandIn, tmp_path: Path, request: pytest.FixtureRequest,
    tally: Counter[str], members: int, size: int,
) -> None:
    """``marvin run standup`` in a process of its own, on the test's store."""
    texts = seed(store, members, size)

    result = subprocess.run(
        RUN_STANDUP, env=marvin_env(standin, tmp_path, request), capture_output=True,
        text=True, timeout=120, check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert [c.outcome for c in standin.calls_to("chat.postMessage")] == ["ok"] * len(
        standin.posted_messages(CHANNEL)
    )
    assert len(standin.posted_messages(CHANNEL)) >= 2
    assert_complete(standin, texts, tally)


def test_a_part_slack_refuses_as_too_long_goes_out_in_halves(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    texts = seed(store, 15, 1_000)
    services = services_on(standin.url, store, at=STANDUP_AT)
    standin.fail_next("chat.postMessage", **TOO_BIG)  # part 0, whatever its size

    result = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 1
    assert result.state.is_successful(), result.state
    assert again.task_run("post_digest").state.is_skipped()
    outcomes = [c.outcome for c in standin.calls_to("chat.postMessage")]
    assert outcomes[0] == "error:msg_blocks_too_long" and set(outcomes[1:]) == {"ok"}
    sent = keys(standin)
    assert sent == ["0.0", "0.1"] + [str(n) for n in range(1, len(sent) - 1)]
    assert_complete(standin, texts, tally)
    (digest,) = [d for d in store.list_deliveries(TEAM, DATE) if d.kind == DeliveryKind.DIGEST]
    assert digest.sent and len(read_detail(digest).timestamps) == len(sent)


class FaultAfterPosts:
    """A `ChatAPI` that arms a fault in the stand-in once `after` messages are out."""

    def __init__(self, inner: ChatAPI, after: int, arm: Callable[[], None]) -> None:
        self.inner, self.after, self.arm, self.posted = inner, after, arm, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post_message(self, *args: Any, **kwargs: Any) -> str:
        ts = self.inner.post_message(*args, **kwargs)
        self.posted += 1
        if self.posted == self.after:
            self.arm()
        return ts


def faulty(store: Store, standin: SlackStandIn, after: int, arm: Callable[[], None],
           **chat_options: Any) -> Services:
    plain = services_on(standin.url, store, at=STANDUP_AT, **chat_options)
    return replace(plain, chat=cast(ChatAPI, FaultAfterPosts(plain.chat, after, arm)))


def test_a_failure_between_halves_is_finished_by_a_rerun_without_repeating_a_half(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """Part 0 (of 3) is refused and halved; its second half then fails past every retry:
    the run fails saying 1 message went out. The re-run finds the first half in Slack,
    halves part 0 the same way and sends the second half and the rest, nothing twice."""
    texts = seed(store, 15, 1_000)
    standin.fail_next("chat.postMessage", **TOO_BIG)
    services = faulty(store, standin, 1,
                      lambda: standin.fail_next("chat.postMessage", 4, status=503))

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))
    after_first = keys(standin)
    again = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 5
    state = first.task_run("post_digest").state
    assert state.is_failed() and "1 of 3 messages sent" in (state.message or ""), state
    assert after_first == ["0.0"]
    assert again.state.is_successful(), again.state
    sent = keys(standin)
    assert sent == ["0.0", "0.1"] + [str(n) for n in range(1, len(sent) - 1)]
    assert_complete(standin, texts, tally)
    [alert] = standin.posted_messages(ALERTS)
    assert "1 of 3 messages sent" in alert["text"]


class SlowSecondPost:
    """A `ChatAPI` whose second ``chat.postMessage`` is answered after the client's timeout
    (the stand-in posts it, then waits): the first half, once part 0 has been refused."""

    def __init__(self, inner: ChatAPI, standin: SlackStandIn) -> None:
        self.inner, self.standin, self.calls = inner, standin, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post_message(self, *args: Any, **kwargs: Any) -> str:
        self.calls += 1
        if self.calls != 2:
            return self.inner.post_message(*args, **kwargs)
        self.standin.set_latency(0.6, "chat.postMessage")
        try:
            return self.inner.post_message(*args, **kwargs)
        finally:
            self.standin.set_latency(0, "chat.postMessage")


def test_a_half_that_timed_out_but_went_out_is_not_posted_again(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """The first half is accepted but answered too late: Marvin cannot know it is out. The
    task's retry asks Slack, finds it, and sends only the rest."""
    texts = seed(store, 15, 1_000)
    standin.fail_next("chat.postMessage", **TOO_BIG)
    plain = services_on(standin.url, store, at=STANDUP_AT, timeout=0.3)
    services = replace(plain, chat=cast(ChatAPI, SlowSecondPost(plain.chat, standin)))

    first = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 2
    assert first.state.is_successful(), first.state
    assert first.task_run("post_digest").run_count == 2
    sent = keys(standin)
    assert sent == ["0.0", "0.1"] + [str(n) for n in range(1, len(sent) - 1)]
    assert_complete(standin, texts, tally)


def test_a_single_block_slack_refuses_goes_out_as_plain_text(
    store: Store, standin: SlackStandIn, tally: Counter[str]
) -> None:
    """A part refused at every size: once it is down to one block (header aside) it cannot
    be halved, so it is posted as plain mrkdwn text under its own key."""
    texts = seed(store, 1, 2_000)
    services = services_on(standin.url, store, at=STANDUP_AT)
    # the digest [header, update, "Everyone posted"], then its first half [header, update]
    standin.fail_next("chat.postMessage", 2, **TOO_BIG)

    result = run("standup", {"team": TEAM}, services, ThreadExecutor(4))

    tally["faults injected"] += 2
    assert result.state.is_successful(), result.state
    assert keys(standin) == ["0.0", "0.1"]
    plain, rest = standin.posted_messages(CHANNEL)
    assert not plain.get("blocks")
    [(who, text)] = texts.items()
    assert plain["text"].startswith(f"*Standup for Monday 8 June*\n*{who}*\n")
    assert unescape(plain["text"]).endswith(text)
    assert "<!channel>" not in plain["text"]
    assert check_message(plain) is None and check_message(rest) is None
    assert "Everyone posted" in rest["blocks"][1]["elements"][0]["text"]


def test_a_run_killed_between_halves_is_finished_by_the_next_run_without_repeats(
    store: Store, standin: SlackStandIn, tmp_path: Path, request: pytest.FixtureRequest,
    tally: Counter[str],
) -> None:
    """``marvin run standup`` is SIGKILLed once Slack has taken the first half of a refused
    part, before its answer arrives: claimed, half posted, nothing recorded. The next run
    (at once: the claimer is a dead process on this host) finds that half by its key and
    sends only the rest."""
    texts = seed(store, 15, 1_000)
    standin.fail_next("chat.postMessage", **TOO_BIG)
    standin.set_latency(0.5, "chat.postMessage")
    env = marvin_env(standin, tmp_path, request, MARVIN_EXECUTOR="local")
    proc = subprocess.Popen(RUN_STANDUP, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not standin.posted_messages(CHANNEL) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
    at_kill = keys(standin)
    standin.set_latency(0, "chat.postMessage")

    rerun = subprocess.run(RUN_STANDUP, env=env, capture_output=True, text=True,
                           timeout=120, check=False)

    tally["faults injected"] += 2  # the refusal and the kill
    assert at_kill == ["0.0"]
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    sent = keys(standin)
    assert sent == ["0.0", "0.1"] + [str(n) for n in range(1, len(sent) - 1)]
    assert_complete(standin, texts, tally)
