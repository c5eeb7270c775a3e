"""The Events API listener for ``user_change``: a member's profile changed in Slack.

Thin, like the other listeners: the work is `marvin.interactions.user_changes`. Events are
acknowledged by Bolt whatever happens here; a store that fails is logged, and the next
reminder run's daily refresh asks Slack again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from marvin.interactions.user_changes import on_user_change
from marvin.store.base import Store, StoreError, deadline

log = logging.getLogger("marvin.slack")

EVENT_BUDGET = 2.0  # seconds: Slack retries an event not acknowledged within 3 s


def register_user_events(app: App, store: Store, now: Callable[[], Any]) -> None:
    """Attach the ``user_change`` listener to a Bolt app."""

    @app.event("user_change")
    def user_change(event: dict[str, Any]) -> None:
        try:
            with deadline(EVENT_BUDGET):
                on_user_change(store, event.get("user"), now())
        except StoreError as exc:
            log.warning("user_change not kept: %s", exc)
