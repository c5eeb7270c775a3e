"""At most once, and none lost: claim a delivery in the store, send, mark it sent.

Both flows send through `deliver`, so "each member reminded once, each digest posted
once" holds the same way for both, across retries, re-runs, replicas and crashes:

- A claim in the store decides who sends (`claim_delivery` has exactly one winner).
- Every message carries its delivery key in Slack metadata, so Marvin can ask Slack
  whether it went out (`find_message`). That settles the two cases a store cannot:
  a post that timed out (Slack may have accepted it), and a claim left behind by a
  process that died between claiming and completing (it is taken over once older
  than the lease, MARVIN_DELIVERY_LEASE_SECONDS, and only what Slack lacks is sent).
- A send that stops where some of it may be out (a digest's later part failed, a
  timeout Slack cannot confirm) hands its claim over instead of giving it back or
  keeping it: the task's retry, or any re-run, takes it over at once and sends only
  the parts Slack does not have (`marvin.delivery.owners` says who may take over what, when).
- Slack's answer is FOUND, ABSENT or UNKNOWN (`MessageSearch`). Only ABSENT allows a send;
  on UNKNOWN (a history Marvin cannot read in full) nothing is sent: the claim is handed
  over and the run fails, saying why, so a person fixes the cause and a re-run asks again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flows.services import services
from marvin.delivery.owners import claim_owner, may_take_over_now, resumable
from marvin.domain.models import Delivery, DeliveryKind
from marvin.engine import FAIL, SKIP, get_context
from marvin.slack.protocol import MessageSearch, Seen, SlackError
from marvin.store.base import StoreError

log = logging.getLogger("marvin.flows")
MAX_REASON = 300  # characters of the error kept in a handed-over claim

CLOCK_SKEW = 600.0
"""Seconds to look back before a claim when searching Slack: Slack stamps messages with
its own clock. The key is unique per delivery, so looking further back is harmless."""


class Unfinished(Exception):
    """A send stopped where some of it may be out; the claim is handed over to resume."""


class DeliveryUnknown(Exception):
    """Slack cannot say whether an earlier attempt's message went out: never send blindly."""

    def __init__(self, search: MessageSearch) -> None:
        super().__init__(search.reason)
        self.search = search


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

    def already_sent(self, find: Callable[[str, float], MessageSearch], key: str) -> str | None:
        """The ts of the message with `key` if an earlier attempt posted it, None when Slack
        proves it did not.

        Raises:
            DeliveryUnknown: Slack's history cannot prove either.
        """
        if self.look_since is None:
            return None
        search = find(key, self.look_since)
        if search.seen is Seen.FOUND:
            return search.ts
        if search.seen is Seen.ABSENT:
            return None
        raise DeliveryUnknown(search)


def sent_detail(channel: str, timestamps: list[str]) -> str:
    """A sent delivery's detail: where it went (Slack's channel id) and each message's ts."""
    return f"{channel}:{','.join(timestamps)}"


def read_sent_detail(detail: str) -> tuple[str | None, list[str]]:
    """``(channel id or None, timestamps)`` of a sent delivery; older records hold the
    timestamps only."""
    channel, _, stamps = detail.rpartition(":")
    return (channel or None), [ts for ts in stamps.split(",") if ts]


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
    find: Callable[[Attempt], MessageSearch] | None = None,
) -> str:
    """Send once per (kind, team, date, target); returns what `send` returned.

    Args:
        send: posts the message(s), tagging them with `attempt.key`; when
            `attempt.look_since` is set it first asks Slack what already went out.
        find: looks for an earlier attempt's message in Slack (`attempt.look_since` is
            set); used after a timeout to learn whether the post went through.
        failed: how to say it failed, e.g. "could not remind U123".
        already: the SKIP message when it was sent before.

    Raises:
        SKIP: it was sent (or is being sent, by a live process) already.
        FAIL: retrying cannot help (a permanent Slack error, or Slack cannot tell whether
            an earlier attempt sent it and asking again will not change that).
        Unfinished: some of it may be out (part of a digest; a timeout Slack could not
            confirm either way): the claim is handed over, and the retry or a re-run
            asks Slack what went out and sends only the rest.
        SlackError / other: a transient failure; the claim is released for a retry.
    """
    s = services()
    key = delivery_key(kind, team, date, target)
    if s.dry_run:
        return send(Attempt(key))
    now = s.now()
    owner = claim_owner(_task_run_id())
    claimed = s.store.claim_delivery(kind, team, date, target, now, owner)
    since = now  # the earliest moment a message of this delivery may have gone out
    attempt = Attempt(key)
    if not claimed and not force:
        earlier = _take_over(kind, team, date, target, now, owner)
        if earlier is None:
            raise SKIP(already)
        # An earlier attempt stopped between claiming and completing: send what Slack lacks.
        claimed = True
        since = earlier.claimed_at
        attempt = Attempt(key, look_since=since.timestamp() - CLOCK_SKEW)
    try:
        detail = send(attempt)
    except DeliveryUnknown as exc:  # taking over, Slack could not say what went out
        if claimed:
            _hand_over(kind, team, date, target, since, owner, exc)
        raise _unknown(failed, exc.search) from exc
    except (SlackError, PartlySent) as exc:
        uncertain = isinstance(exc, PartlySent) or exc.may_have_been_sent
        if isinstance(exc, SlackError) and exc.may_have_been_sent and find is not None:
            search = find(Attempt(key, look_since=since.timestamp() - CLOCK_SKEW))
            if search.seen is Seen.FOUND:  # it did go out: done, exactly once
                found = sent_detail(search.channel, [search.ts]) if search.channel else search.ts
                s.store.complete_delivery(kind, team, date, target, detail=found)
                return found
            if search.seen is Seen.UNKNOWN:
                if claimed:
                    _hand_over(kind, team, date, target, since, owner, exc)
                raise _unknown(failed, search, exc) from exc
            uncertain = False  # Slack proves it did not go out
        if claimed and (uncertain or attempt.look_since is not None):
            _hand_over(kind, team, date, target, since, owner, exc)
        elif claimed:
            s.store.release_delivery(kind, team, date, target)
        cause = exc.cause if isinstance(exc, PartlySent) else exc
        if isinstance(cause, SlackError) and cause.permanent:
            rest = "; a re-run sends the rest once that is fixed" if uncertain else ""
            raise FAIL(f"{failed}: {exc if uncertain else cause.error}{rest}") from exc
        if uncertain:
            raise Unfinished(
                f"{failed}: {exc}; a retry or re-run asks Slack what went out and sends "
                "only the rest"
            ) from exc
        raise
    except BaseException as exc:
        if claimed and attempt.look_since is not None:
            # Taking over, and Slack was not (yet) asked what the earlier attempt sent:
            # giving the claim back would let the next run post without asking.
            _hand_over(kind, team, date, target, since, owner, exc)
        elif claimed:
            s.store.release_delivery(kind, team, date, target)
        raise
    s.store.complete_delivery(kind, team, date, target, detail=detail)
    return detail


def _task_run_id() -> str | None:
    try:
        return get_context().task_run_id
    except RuntimeError:  # called outside a task run (a script, a unit test)
        return None


def _take_over(
    kind: DeliveryKind, team: str, date: str, target: str, now: dt.datetime, owner: str
) -> Delivery | None:
    """Take over an unfinished claim: at once when `may_take_over_now` (our own earlier
    attempt, a handed-over claim, a dead claimer), else once it is older than the lease."""
    s = services()
    lease = dt.timedelta(seconds=s.settings.delivery_lease_seconds)
    current = next(
        (d for d in s.store.list_deliveries(team, date) if d.kind == kind and d.target == target),
        None,
    )
    if current is None or current.sent:
        return None
    at_once = may_take_over_now(current.detail, owner)
    return s.store.reclaim_delivery(
        kind,
        team,
        date,
        target,
        now,
        now - lease,
        if_owner=current.detail if at_once else None,
        new_owner=owner,
    )


def _hand_over(
    kind: DeliveryKind, team: str, date: str, target: str, since: dt.datetime, owner: str,
    why: BaseException,
) -> None:
    """Mark our claim resumable, stamped `since` so its next sender looks back far enough.
    If the store fails here, the claim stays ours: our own retry still takes it over."""
    reason = resumable(str(why)[:MAX_REASON])
    try:
        services().store.reclaim_delivery(
            kind, team, date, target, since, since, if_owner=owner, new_owner=reason
        )
    except StoreError as exc:
        log.warning("could not hand over the claim for %s: %s", delivery_key(kind, team, date,
                                                                             target), exc)


def _unknown(
    failed: str, search: MessageSearch, cause: BaseException | None = None
) -> BaseException:
    """The failure for a delivery Slack cannot confirm: FAIL when asking again cannot
    help (someone must fix access first), else `Unfinished` so a retry asks again."""
    after = f" after {cause}" if cause is not None else ""
    message = (
        f"{failed}: not sent again, because Slack cannot tell whether it already went out{after}: "
        f"{search.reason}"
    )
    if search.permanent:
        return FAIL(f"{message}; fix that and run again: only what Slack lacks is sent")
    return Unfinished(f"{message}; a retry or re-run asks Slack again before sending")
