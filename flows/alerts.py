"""Alerting: a failed flow run tells MARVIN_ALERT_CHANNEL, when one is set."""

from __future__ import annotations

import logging
from typing import Any

from marvin.engine import State
from marvin.services import services

log = logging.getLogger("marvin.alerts")


def alert_on_failure(flow: Any, state: State) -> None:
    """`on_failure` handler for both flows: post what failed to the alert channel."""
    s = services()
    channel = s.settings.alert_channel
    if not channel:
        return
    text = f":rotating_light: Marvin's *{flow.name}* run failed: {state.message}"
    try:
        s.chat.post_message(channel, text)
    except Exception as exc:  # an alert must never hide the failure it reports
        log.warning("could not alert %s: %s", channel, exc)
