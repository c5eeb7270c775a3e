"""Settling a send: what becomes of the claim, and how the task ends. A pure decision.

`settle` takes what was attempted (`Attempted`), how the send ended (its error, or None)
and, after a send that may have gone out, what Slack's history says (`MessageSearch`), and
returns a `Settlement`:

- sent (or found in Slack after a timeout): COMPLETE, the task goes on;
- failed where nothing can be out: RELEASE the claim for a retry or re-run;
- failed where some of it may be out (part of a digest, a timeout Slack cannot confirm),
  or while taking over before Slack said what is out: HAND_OVER, so the retry or any
  re-run takes it over at once and sends only what Slack lacks;
- not ours (a forced send that did not win the claim): KEEP, nothing to change.

The task ends with FAIL when retrying cannot help (a permanent Slack error; Slack cannot
tell what is out and asking again will not change that), `Unfinished` when a retry asks
Slack again and sends the rest, else with the send's own error.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from marvin.delivery.lookup import DeliveryUnknown
from marvin.delivery.parts import PartlySent
from marvin.engine import FAIL
from marvin.slack.protocol import MessageSearch, Seen, SlackError


class Unfinished(Exception):
    """A send stopped where some of it may be out; the claim is handed over to resume."""


class ClaimAction(Enum):
    COMPLETE = "complete"
    RELEASE = "release"
    HAND_OVER = "hand over"
    KEEP = "keep"


@dataclass(frozen=True)
class Attempted:
    """What was attempted: `failed` starts the error ("could not remind U1"); `held` says
    the claim is ours; `taking_over` that an earlier attempt may have sent some of it."""

    failed: str
    held: bool = True
    taking_over: bool = False


@dataclass(frozen=True)
class Settlement:
    """What to do with the claim, and the error the task ends with (None: done)."""

    claim: ClaimAction
    error: BaseException | None = None


def settle(
    attempted: Attempted, error: BaseException | None, search: MessageSearch | None = None
) -> Settlement:
    """The claim's fate and the task's ending; `search` is Slack's answer when it was asked
    after a send that may have gone out."""
    if error is None or (search is not None and search.seen is Seen.FOUND):
        return Settlement(ClaimAction.COMPLETE)
    if isinstance(error, DeliveryUnknown):
        return Settlement(_hand_over(attempted), unknown(attempted.failed, error.search))
    if search is not None and search.seen is Seen.UNKNOWN:
        return Settlement(_hand_over(attempted), unknown(attempted.failed, search, error))
    if not isinstance(error, SlackError | PartlySent):
        # Taking over, and Slack was not (yet) asked what the earlier attempt sent:
        # giving the claim back would let the next run post without asking.
        return Settlement(_give_back(attempted, uncertain=False), error)
    uncertain = isinstance(error, PartlySent) or (error.may_have_been_sent and search is None)
    return Settlement(_give_back(attempted, uncertain), _ending(attempted, error, uncertain))


def _ending(attempted: Attempted, error: SlackError | PartlySent, uncertain: bool) -> BaseException:
    cause = error.cause if isinstance(error, PartlySent) else error
    if isinstance(cause, SlackError) and cause.permanent:
        rest = "; a re-run sends the rest once that is fixed" if uncertain else ""
        return FAIL(f"{attempted.failed}: {error if uncertain else cause.error}{rest}")
    if uncertain:
        return Unfinished(
            f"{attempted.failed}: {error}; a retry or re-run asks Slack what went out and "
            "sends only the rest"
        )
    return error


def _hand_over(attempted: Attempted) -> ClaimAction:
    return ClaimAction.HAND_OVER if attempted.held else ClaimAction.KEEP


def _give_back(attempted: Attempted, uncertain: bool) -> ClaimAction:
    if not attempted.held:
        return ClaimAction.KEEP
    if uncertain or attempted.taking_over:
        return ClaimAction.HAND_OVER
    return ClaimAction.RELEASE


def unknown(
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
