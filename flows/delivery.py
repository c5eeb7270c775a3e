"""At most once: claim a delivery in the store, send, then mark it sent.

Both flows send through `deliver`, so "each member reminded once, each digest posted
once" holds the same way for both, across retries, re-runs and replicas.
"""

from __future__ import annotations

from collections.abc import Callable

from marvin.engine import FAIL, SKIP
from marvin.models import DeliveryKind
from marvin.services import services
from marvin.slack.protocol import SlackError


class PartlySent(Exception):
    """Some parts of a multi-message send went out before a failure."""

    def __init__(self, sent: int, total: int, cause: BaseException) -> None:
        super().__init__(f"{sent} of {total} messages sent, then: {cause}")
        self.cause = cause


def deliver(
    kind: DeliveryKind,
    team: str,
    date: str,
    target: str,
    send: Callable[[], str],
    *,
    failed: str,
    already: str,
    force: bool = False,
) -> str:
    """Send once per (kind, team, date, target); returns what `send` returned.

    Args:
        failed: how to say it failed, e.g. "could not remind U123".
        already: the SKIP message when it was sent before.

    Raises:
        SKIP: someone (this or another process, an earlier run) already claimed it.
        FAIL: retrying cannot help (a permanent Slack error), or could send twice (Slack
            may have accepted a call that timed out; part of a digest went out). The
            claim is kept in the second case, so nothing is sent twice; the run fails
            and alerts, so a person can check.
        SlackError / other: a transient failure; the claim is released so the engine's
            retry (or a later run) can send it.
    """
    s = services()
    if s.dry_run:
        return send()
    claimed = s.store.claim_delivery(kind, team, date, target, s.now())
    if not claimed and not force:
        raise SKIP(already)
    try:
        detail = send()
    except (SlackError, PartlySent) as exc:
        unsure = isinstance(exc, PartlySent) or (
            isinstance(exc, SlackError) and exc.may_have_been_sent
        )
        if unsure:
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
