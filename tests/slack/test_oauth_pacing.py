"""In OAuth mode Bolt makes a Web API client per request from the installation; those
clients (the listeners' ``client``, Bolt's own ``auth.test``) are Marvin's paced ones,
drawing on the same token buckets as the flows' calls with the same token. Against the
stand-in enforcing Slack's tiers, on a limiter whose clock stands still (no refill)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from marvin.app import Marvin, open_marvin
from marvin.domain.workspace import Workspace
from marvin.slack import rate_limits
from marvin.slack.app import App, dispatch
from marvin.slack.rate_limits import CLIENT_MARGIN, METHOD_TIERS, RateLimits
from marvin.store.installations import InstallationRecord
from marvin.testing.event_payloads import JSON_CONTENT_TYPE, app_home_opened, event_body
from marvin.testing.signing import signed_headers
from marvin.testing.slack_api import SlackStandIn
from tests.support.settings import stand_in_settings

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ALPHA, TOKEN = Workspace("TALPHA"), "xoxb-TALPHA-paced"
USER = "U0MEMBER1"


class StillClock:
    """The limiter's clock: time moves only when it sleeps, so nothing refills."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    with SlackStandIn(tiers=True) as standin:
        standin.oauth.install(ALPHA.key, TOKEN)
        yield standin


@pytest.fixture
def root(slack: SlackStandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Marvin]:
    settings = stand_in_settings(
        slack.url, "", SECRET, slack_bot_token=None, slack_client_id="1111.2222",
        slack_client_secret="shh", encryption_key=Fernet.generate_key().decode(),
        executor="local", store=f"sqlite:///{tmp_path / 'marvin.db'}")
    clock = StillClock()
    # the process's one limiter for this Slack URL, on a clock the test holds still
    monkeypatch.setitem(rate_limits._SHARED, settings.slack_api_url,
                        RateLimits(clock=clock, sleep=clock.sleep))
    with open_marvin(settings) as marvin:
        assert marvin.installations is not None
        marvin.installations.save(InstallationRecord(
            ALPHA.key, None, False, dt.datetime(2026, 6, 1, tzinfo=dt.UTC), app_id="AMARVIN",
            bot_token=TOKEN, bot_id="BALPHA", bot_user_id="UALPHABOT", bot_scopes="chat:write"))
        yield marvin


def open_home(bolt: App) -> None:
    body = event_body(app_home_opened(USER), team_id=ALPHA.key)
    headers = {k.lower(): v for k, v in
               signed_headers(SECRET, body, content_type=JSON_CONTENT_TYPE).items()}
    status, _headers, answer = dispatch(bolt, body, headers)
    assert status == 200, answer


def test_listener_calls_draw_on_the_flows_buckets_of_the_same_token(
    root: Marvin, slack: SlackStandIn,
) -> None:
    slack.world_of(ALPHA.key).set_user(USER, tz="Europe/Paris")
    budget = METHOD_TIERS["users.info"].burst - CLIENT_MARGIN
    flows = root.of(ALPHA).chat
    for _ in range(budget - 1):  # the flows' users.info calls leave one slot
        flows.user_status(USER)

    bolt = root.bolt()
    open_home(bolt)  # Bolt's client for the listener takes the last slot
    open_home(bolt)  # none left: held back by Marvin's limiter, not refused by Slack

    infos = slack.calls_to("users.info")
    assert len(infos) == budget and {c.token for c in infos} == {TOKEN}
    assert slack.rate_limited == 0
    published = slack.calls_to("views.publish")  # the Home tab all the same, twice
    assert [(c.token, c.outcome) for c in published] == [(TOKEN, "ok")] * 2
    # Bolt's own auth.test went through the limiter too, once for the token (cached)
    auth = rate_limits._SHARED[root.settings.slack_api_url]
    free = METHOD_TIERS["auth.test"].burst - CLIENT_MARGIN
    taken = len([c for c in slack.calls_to("auth.test") if c.token == TOKEN])
    assert taken == 1
    for _ in range(free - taken):
        assert auth.acquire(TOKEN, "auth.test", "", 0.0) == 0.0
    with pytest.raises(rate_limits.Paced):
        auth.acquire(TOKEN, "auth.test", "", 0.0)
