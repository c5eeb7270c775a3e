"""At most once, and none lost: claim a delivery in the store, send, mark it sent.

Both flows send through `deliver`, so "each member reminded once, each digest posted
once" holds the same way for both, across retries, re-runs, replicas and crashes:

- A claim in the store decides who sends (`claim_delivery` has exactly one winner).
- Every message carries its delivery key in Slack metadata, so Marvin can ask Slack
  whether it went out (`find_message`). That settles the two cases a store cannot:
  a post that timed out (Slack may have accepted it), and a claim left behind by a
  process that died between claiming and completing (it is taken over once older
  than the lease, MARVIN_DELIVERY_LEASE_SECONDS, and only what Slack lacks is sent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flows.owners import is_dead_here, this_owner
from marvin.engine import FAIL, SKIP
from marvin.models import Delivery, DeliveryKind
from marvin.services import services
from marvin.slack.protocol import SlackError

CLOCK_SKEW = 600.0
"""Seconds to look back before a claim when searching Slack: Slack stamps messages with
its own clock. The key is unique per delivery, so looking further back is harmless."""


class PartlySent(Exception):
    """Some parts of a multi-message send went out before a failure."""

    def __init__(self, sent: int, total: int, cause: BaseException) -> None:
        super().__init__(f"{sent} of {total} messages sent, then: {cause}")
        self.cause = cause


@dataclass(frozen=True)
class Attempt:
    """What a send needs to know: the key to tag its messages with, and, when it takes
    over from an earlier attempt that may have sent something, since when to look."""

    key: str
    look_since: float | None = None

    def already_sent(self, find: Callable[[str, float], str | None], key: str) -> str | None:
        """The ts of the message with `key` if an earlier attempt posted it."""
        return None if self.look_since is None else find(key, self.look_since)


def delivery_key(kind: DeliveryKind, team: str, date: str, target: str) -> str:
    return f"{kind.value}/{team}/{date}/{target}"


def deliver(
    kind: DeliveryKind,
    team: str,
    date: str,
    target: str,
    send: Callable[[Attempt], str],
    *,
    failed: str,
    already: str,
    force: bool = False,
    find: Callable[[Attempt], str | None] | None = None,
) -> str:
    """Send once per (kind, team, date, target); returns what `send` returned.

    Args:
        send: posts the message(s), tagging them with `attempt.key`.
        find: looks for an earlier attempt's message in Slack (`attempt.look_since` is
            set); used after a timeout to learn whether the post went through.
        failed: how to say it failed, e.g. "could not remind U123".
        already: the SKIP message when it was sent before.

    Raises:
        SKIP: it was sent (or is being sent, by a live process) already.
        FAIL: retrying cannot help (a permanent Slack error), or could send twice (part
            of a digest went out; a timeout Slack could not confirm either way): the
            claim is kept, the run fails and alerts, so a person can check.
        SlackError / other: a transient failure; the claim is released for a retry.
    """
    s = services()
    key = delivery_key(kind, team, date, target)
    if s.dry_run:
        return send(Attempt(key))
    now = s.now()
    attempt = Attempt(key)
    owner = this_owner()
    claimed = s.store.claim_delivery(kind, team, date, target, now, owner)
    if not claimed and not force:
        stale = _take_over(kind, team, date, target, now, owner)
        if stale is None:
            raise SKIP(already)
        # The claimer died between claiming and completing: send what Slack lacks.
        claimed = True
        attempt = Attempt(key, look_since=stale.claimed_at.timestamp() - CLOCK_SKEW)
    try:
        detail = send(attempt)
    except (SlackError, PartlySent) as exc:
        if isinstance(exc, SlackError) and exc.may_have_been_sent and find is not None:
            found = _look(find, Attempt(key, look_since=now.timestamp() - CLOCK_SKEW))
            if found:  # it did go out: done, exactly once
                s.store.complete_delivery(kind, team, date, target, detail=found)
                return found
            if found == "":  # Slack says it did not: a plain transient failure
                if claimed:
                    s.store.release_delivery(kind, team, date, target)
                raise
        if isinstance(exc, PartlySent) or (isinstance(exc, SlackError) and exc.may_have_been_sent):
            s.store.complete_delivery(kind, team, date, target, detail=f"unconfirmed: {exc}")
            raise FAIL(f"{failed}: {exc}; it may have been sent, so it is not retried") from exc
        if claimed:
            s.store.release_delivery(kind, team, date, target)
        if isinstance(exc, SlackError) and exc.permanent:
            raise FAIL(f"{failed}: {exc.error}") from exc
        raise
    except BaseException:
        if claimed:
            s.store.release_delivery(kind, team, date, target)
        raise
    s.store.complete_delivery(kind, team, date, target, detail=detail)
    return detail


def _take_over(
    kind: DeliveryKind, team: str, date: str, target: str, now: dt.datetime, owner: str
) -> Delivery | None:
    """Take over an unfinished claim whose owner is known dead, or older than the lease."""
    s = services()
    lease = dt.timedelta(seconds=s.settings.delivery_lease_seconds)
    current = next(
        (d for d in s.store.list_deliveries(team, date) if d.kind == kind and d.target == target),
        None,
    )
    dead = current is not None and not current.sent and is_dead_here(current.detail)
    return s.store.reclaim_delivery(
        kind,
        team,
        date,
        target,
        now,
        now - lease,
        if_owner=current.detail if dead and current else None,
        new_owner=owner,
    )


def _look(find: Callable[[Attempt], str | None], attempt: Attempt) -> str | None:
    """ts if found, "" if Slack says it is not there, None if Slack cannot say."""
    try:
        return find(attempt) or ""
    except SlackError:
        return None
