"""What a by-hand `marvin run standup` is about, decided before anything is sent.

By hand, after standup time, the run covers the standup that has just happened while
new updates already count for the next one; and that digest may well have gone out on
schedule already. So the CLI first says which standup it covers and, when the team's
own channel already has that digest (or a scheduled run is posting it), sends nothing
unless `--force`.

Example::

    date = digest_date(team, now, None)          # "2026-11-23": the latest standup
    earlier = scheduled_digest(store, team, date)
    if earlier is not None and earlier.sent: ...  # posted on schedule: say so, stop
"""

from __future__ import annotations

import datetime as dt

from marvin.domain.models import Delivery, DeliveryKind, Team
from marvin.domain.standup import format_date, last_standup_date
from marvin.store.base import Store


def digest_date(team: Team, now: dt.datetime, date: str | None) -> str:
    """The standup a digest run at `now` covers: `date` if given, else the latest one
    whose time has come (what the scheduled run at standup time covered)."""
    return date if date is not None else last_standup_date(team, now)


def scheduled_digest(store: Store, team: Team, date: str) -> Delivery | None:
    """The record of `date`'s digest to the team's own channel (sent, or claimed by a
    run still posting it), if there is one."""
    return next(
        (
            delivery
            for delivery in store.list_deliveries(team.name, date)
            if delivery.kind == DeliveryKind.DIGEST and delivery.target == team.channel
        ),
        None,
    )


def describe_cover(team: Team, date: str, channel: str) -> str:
    """E.g. "standup of Monday 23 November (2026-11-23), team default, to #testing"."""
    return f"standup of {format_date(date)} ({date}), team {team.name}, to {channel}"


def describe_earlier(team: Team, delivery: Delivery) -> str:
    """Why a by-hand run sends nothing: what the schedule already did about it."""
    at = delivery.claimed_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    done = "was posted" if delivery.sent else "is being posted (claimed"
    tail = "" if delivery.sent else ", not finished yet)"
    return (
        f"the digest for {delivery.date} {done} to {team.channel} on schedule at {at}{tail}; "
        "nothing sent (--force sends it anyway)"
    )
