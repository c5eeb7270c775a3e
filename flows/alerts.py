"""Alerting: a failed flow run tells MARVIN_ALERT_CHANNEL, when one is set."""

from __future__ import annotations

import logging
from typing import Any

from flows.services import services
from marvin.domain.digest import escape_mrkdwn
from marvin.domain.slack_fit import fit_with_note
from marvin.domain.slack_limits import ADVISED_MESSAGE_TEXT
from marvin.engine import State

log = logging.getLogger("marvin.alerts")
CUT_SHORT = " … _(cut short: the whole message is in the run's history)_"


def alert_on_failure(flow: Any, state: State) -> None:
    """`on_failure` handler for both flows: post what failed to the alert channel."""
    s = services()
    channel = s.settings.alert_channel
    if not channel:
        return
    # The message may quote anything (a Slack error, a team name): escaped, so it cannot
    # ping or link, and cut to a size Slack takes as a plain message.
    why = escape_mrkdwn(str(state.message))
    text = f":rotating_light: Marvin's *{flow.name}* run failed: {why}"
    text = fit_with_note(text, ADVISED_MESSAGE_TEXT, CUT_SHORT)
    try:
        s.chat.post_message(channel, text)
    except Exception as exc:  # an alert must never hide the failure it reports
        log.warning("could not alert %s: %s", channel, exc)
