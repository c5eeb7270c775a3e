"""The Home tab over Socket Mode: the same listeners as over HTTP, on both stores.

An ``app_home_opened`` event envelope publishes the tab (``views.publish`` reaches the
stand-in before the envelope is acked), and a Join button on it, sent as an
``interactive`` envelope, joins the team and publishes the tab again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marvin.domain.models import Team
from marvin.interactions.app_home import HOME_JOIN
from marvin.store.base import Store
from marvin.testing.interaction_payloads import block_actions_in_view, button_action
from marvin.testing.slack_api import SlackStandIn
from marvin.testing.socket_envelopes import event_envelope, interactive_envelope
from marvin.testing.socket_server import FakeSocketServer
from tests.support.socket_mode import connected

USER = "U0SOCKET"


@pytest.fixture
def server() -> Iterator[FakeSocketServer]:
    with FakeSocketServer() as fake:
        yield fake


def test_the_home_tab_is_published_and_its_buttons_work_over_the_socket(
    standin: SlackStandIn, server: FakeSocketServer, store: Store
) -> None:
    store.save_team(Team(name="ops"))
    opened = event_envelope({"type": "app_home_opened", "user": USER, "channel": f"D{USER}",
                             "tab": "home", "event_ts": "1700000000.000100"})
    with connected(standin, server, store):
        assert server.wait_ack(server.send_envelope(opened)).payload is None
        tab = standin.world.views.home[USER]
        assert "You are not in a standup team." in str(tab["blocks"])

        click = block_actions_in_view(USER, button_action(f"{HOME_JOIN}.1", "ops"),
                                      standin.world.views.issue(), tab)
        server.wait_ack(server.send_envelope(interactive_envelope(click)))

    member = store.get_member(USER)
    assert member is not None and member.team == "ops"
    assert "Welcome to team *ops*!" in str(standin.world.views.home[USER]["blocks"])
    assert len(standin.calls_to("views.publish")) == 2
