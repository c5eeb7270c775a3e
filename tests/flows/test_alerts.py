"""Alerts keep to Slack's limits and cannot ping: whatever a failure message holds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from flows.alerts import CUT_SHORT, alert_on_failure
from flows.services import use_services
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT, slack_len
from marvin.engine import FakeClock, Flow, task
from marvin.engine.state import Failed
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.slack_limits_check import check_message
from tests.flows.conftest import MakeServices


@pytest.mark.parametrize("open_store_again", ["sqlite"], indirect=True)  # no store used
def test_a_huge_failure_message_is_escaped_and_cut_to_fit(
    standin: SlackStandIn, make_services: MakeServices
) -> None:
    why = "could not post to <!channel> & team <@U1>: " + "🙂 detail " * 10_000

    with use_services(make_services(alert_channel="#alerts")):
        alert_on_failure(SimpleNamespace(name="standup"), Failed(why))

    [alert] = standin.posted_messages("#alerts")
    text = str(alert["text"])
    assert check_message(alert) is None
    assert slack_len(text) <= ADVISED_MESSAGE_TEXT
    assert text.startswith(":rotating_light: Marvin's *standup* run failed: could not post "
                           "to &lt;!channel&gt; &amp; team &lt;@U1&gt;: 🙂 detail")
    assert text.endswith(CUT_SHORT)


@pytest.mark.parametrize("open_store_again", ["sqlite"], indirect=True)  # no store used
def test_a_task_failing_every_retry_alerts_once(
    standin: SlackStandIn, make_services: MakeServices
) -> None:
    # Each failed attempt now passes through Failed (as in Prefect 1), so task handlers
    # see three failures; the alert is the *flow's* on_failure and must post only one.
    attempts: list[int] = []

    @task(max_retries=2, retry_delay=60)
    def flaky() -> None:
        attempts.append(1)
        raise ConnectionError("store unreachable")

    with Flow("reminder", on_failure=alert_on_failure) as flow:
        flaky()
    with use_services(make_services(alert_channel="#alerts")):
        run = flow.run(clock=FakeClock())

    assert len(attempts) == 3 and run.state.is_failed()
    [alert] = standin.posted_messages("#alerts")
    assert "*reminder* run failed" in str(alert["text"])
