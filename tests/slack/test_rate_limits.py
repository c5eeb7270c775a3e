"""Pacing to Slack's rate tiers: token buckets per token, method and (for posts) channel,
with a fake clock (no test waits for real), and the tier table against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marvin.slack.rate_limits import METHOD_TIERS, Paced, RateLimits, pacing_deadline
from marvin.slack.scopes import _BY_KIND, _FIXED
from marvin.testing.slack_api import SlackStandIn

ROOT = Path(__file__).resolve().parents[2]
SLACK_FAMILIES = "apps|auth|chat|conversations|oauth|users|views"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


def limits_on(fake: FakeTime) -> RateLimits:
    return RateLimits(clock=fake.clock, sleep=fake.sleep)


def test_a_burst_goes_at_once_then_calls_are_paced_to_the_tier(fake: FakeTime) -> None:
    limits = limits_on(fake)
    waits = [limits.acquire("xoxb-1", "conversations.list", "*", 60) for _ in range(21)]
    assert waits[:19] == [0.0] * 19  # Tier 2: 20 a minute, one kept back as a margin
    assert waits[19] == pytest.approx(3.0) and waits[20] == pytest.approx(3.0)  # 20/min


def test_each_workspace_and_method_has_its_own_bucket(fake: FakeTime) -> None:
    limits = limits_on(fake)
    assert limits.acquire("xoxb-1", "apps.connections.open", "", 60) == 0.0  # Tier 1
    assert limits.acquire("xoxb-2", "apps.connections.open", "", 60) == 0.0
    assert limits.acquire("xoxb-1", "users.info", "U1", 60) == 0.0
    assert limits.acquire("xoxb-1", "apps.connections.open", "", 60) == pytest.approx(60.0)


def test_posts_are_paced_per_channel_within_the_workspace_budget(fake: FakeTime) -> None:
    limits = limits_on(fake)
    assert [limits.acquire("xoxb-1", "chat.postMessage", "C1", 60) for _ in range(3)] == [
        0.0, 0.0, pytest.approx(1.0)]  # about one a second per channel
    assert limits.acquire("xoxb-1", "chat.postMessage", "C2", 60) == 0.0
    waits = [limits.acquire("xoxb-1", "chat.postMessage", f"D{n}", 60) for n in range(200)]
    assert sum(w > 0 for w in waits) > 0  # the workspace budget paces a fan-out of DMs
    assert max(waits) == pytest.approx(0.1)  # 600 a minute: one every 0.1 s


def test_a_slot_too_far_away_fails_at_once_and_takes_nothing(fake: FakeTime) -> None:
    limits = limits_on(fake)
    limits.acquire("xoxb-1", "apps.connections.open", "", 60)
    with pytest.raises(Paced) as paced:
        limits.acquire("xoxb-1", "apps.connections.open", "", 0.5)
    assert (paced.value.error, paced.value.permanent) == ("ratelimited", False)
    assert "needs 60.0 s of waiting, more than the 0.5 s" in str(paced.value)
    assert fake.slept == []
    assert limits.acquire("xoxb-1", "apps.connections.open", "", 60) == pytest.approx(60.0)


def test_the_callers_deadline_bounds_the_wait(fake: FakeTime) -> None:
    limits = limits_on(fake)
    for _ in range(19):
        limits.acquire("xoxb-1", "conversations.list", "*", 60)
    with pacing_deadline(1.0), pytest.raises(Paced):
        limits.acquire("xoxb-1", "conversations.list", "*", 60)
    with pacing_deadline(10.0):
        assert limits.acquire("xoxb-1", "conversations.list", "*", 60) == pytest.approx(3.0)


def test_a_429_holds_the_method_for_its_retry_after(fake: FakeTime) -> None:
    limits = limits_on(fake)
    limits.slow_down("xoxb-1", "users.info", 5.0)
    assert limits.acquire("xoxb-1", "users.info", "U1", 60) == pytest.approx(5.0)
    assert limits.acquire("xoxb-2", "users.info", "U1", 60) == 0.0  # another workspace


def test_a_429_from_slack_slows_the_shared_limiter_down(standin: SlackStandIn) -> None:
    from marvin.slack.client import SlackWebChat
    from marvin.slack.rate_limits import shared_limits

    chat = SlackWebChat("xoxb-test", standin.url, max_retries=0)
    standin.fail_next("users.info", status=429, retry_after=30)
    with pytest.raises(Exception):  # noqa: B017 - the 429 itself, not retried here
        chat.user_status("U1")
    with pytest.raises(Paced):  # held for the Retry-After: not even sent
        shared_limits(standin.url).acquire("xoxb-test", "users.info", "U1", 1.0)
    assert len(standin.calls_to("users.info")) == 1


def methods_called_in_code() -> set[str]:
    """Every Web API method a Marvin module calls through slack_sdk (``client.x_y(``)."""
    called: set[str] = set()
    for path in (ROOT / "marvin").rglob("*.py"):
        if "testing" in path.parts:
            continue
        for name in re.findall(rf"client\.((?:{SLACK_FAMILIES})_[A-Za-z_]+)\(",
                               path.read_text()):
            called.add(name.replace("_", "."))
    return called


def test_every_method_marvin_calls_has_its_tier() -> None:
    called = methods_called_in_code() | set(_FIXED) | set(_BY_KIND)
    assert "chat.postMessage" in called and "conversations.history" in called
    assert sorted(called - set(METHOD_TIERS)) == []
