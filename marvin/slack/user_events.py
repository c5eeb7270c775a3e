"""The Events API listeners for Slack's user events: ``user_change`` and ``team_join``.

Thin, like the other listeners. Bolt runs only the first listener that matches an event,
so ONE ``user_change`` listener does both jobs: the member's kept time zone
(`marvin.interactions.user_changes`) and their reachability, published as events for the
automations (`marvin.interactions.member_events`); ``team_join`` keeps the zone of a
user who is a member already (added by id before they joined: an Enterprise Grid id is
the organisation's) the same way. Each is tried on its own, so a store
that fails for one still lets the other run. Events are acknowledged by Bolt whatever
happens here; a failure is logged, the next reminder run's daily refresh asks Slack for
the zone again, and Slack's retry (same event id, so nothing starts twice) may publish.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App

from marvin.interactions.member_events import team_joined, user_changed
from marvin.interactions.user_changes import on_user_change
from marvin.store.base import Store, StoreError, deadline

log = logging.getLogger("marvin.slack")

EVENT_BUDGET = 2.0  # seconds: Slack retries an event not acknowledged within 3 s


def register_user_events(app: App, store: Store, now: Callable[[], Any]) -> None:
    """Attach the ``user_change`` and ``team_join`` listeners to a Bolt app."""

    @app.event("user_change")
    def user_change(event: dict[str, Any], body: dict[str, Any]) -> None:
        user, event_id, at = event.get("user"), _event_id(body), now()
        with deadline(EVENT_BUDGET):  # both together: one ack, within Slack's 3 s
            try:
                on_user_change(store, user, at)
            except StoreError as exc:
                log.warning("user_change %s: zone not kept: %s", event_id, exc)
            try:
                user_changed(store, user, event_id, at)
            except Exception:
                log.exception("user_change %s: deactivation not handled", event_id)

    @app.event("team_join")
    def team_join(event: dict[str, Any], body: dict[str, Any]) -> None:
        user, event_id, at = event.get("user"), _event_id(body), now()
        with deadline(EVENT_BUDGET):
            try:  # a member already (added by id before joining): their zone, kept now
                on_user_change(store, user, at)
            except StoreError as exc:
                log.warning("team_join %s: zone not kept: %s", event_id, exc)
        team_joined(user, event_id, at)


def _event_id(body: dict[str, Any]) -> str:
    event_id = body.get("event_id")
    return event_id if isinstance(event_id, str) and event_id else "unknown"
