"""What becomes of a claim and how the task ends, for every way a send can end: a table.

`settle` is pure, so each row is what was attempted, how the send ended, what Slack's
history said afterwards (if it was asked), and the expected claim action and ending.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from marvin.delivery.lookup import DeliveryUnknown
from marvin.delivery.parts import PartlySent
from marvin.delivery.settle import Attempted, ClaimAction, Unfinished, settle
from marvin.engine import FAIL
from marvin.slack.protocol import MessageSearch, SlackError

FAILED = "could not remind U1"
OURS = Attempted(FAILED)
TAKING_OVER = Attempted(FAILED, taking_over=True)
FORCED = Attempted(FAILED, held=False)  # a forced send that did not win the claim

TIMEOUT = SlackError("chat.postMessage", "timeout", permanent=False)
HTTP_500 = SlackError("chat.postMessage", "http_500", permanent=False)
MAYBE_500 = SlackError("chat.postMessage", "http_500", permanent=False, acted_maybe=True)
GONE = SlackError("chat.postMessage", "user_not_found", permanent=True)
PARTLY = PartlySent(1, 2, HTTP_500)
PARTLY_GONE = PartlySent(1, 2, GONE)
CRASH = RuntimeError("store down")

FOUND = MessageSearch.found("1.000100", "D1")
ABSENT = MessageSearch.absent()
UNREADABLE = MessageSearch.unknown("not_in_channel", permanent=True)
BUSY = MessageSearch.unknown("http_503")

SAME = object()  # the task ends with the send's own error

UNKNOWN_START = f"{FAILED}: not sent again, because Slack cannot tell whether it already went out"
RETRY_ASKS_AGAIN = "; a retry or re-run asks Slack again before sending"
FIX_AND_RERUN = "; fix that and run again: only what Slack lacks is sent"
RETRY_SENDS_REST = "; a retry or re-run asks Slack what went out and sends only the rest"


@dataclass(frozen=True)
class Row:
    attempted: Attempted
    error: BaseException | None
    search: MessageSearch | None
    claim: ClaimAction
    ending: type[BaseException] | object | None
    message: str = ""


TABLE = {
    "sent": Row(OURS, None, None, ClaimAction.COMPLETE, None),
    "sent, forced": Row(FORCED, None, None, ClaimAction.COMPLETE, None),
    "timed out, found in Slack": Row(OURS, TIMEOUT, FOUND, ClaimAction.COMPLETE, None),
    "timed out, found, forced": Row(FORCED, TIMEOUT, FOUND, ClaimAction.COMPLETE, None),
    "timed out, proven absent": Row(OURS, TIMEOUT, ABSENT, ClaimAction.RELEASE, SAME),
    "timed out, absent, taking over": Row(
        TAKING_OVER, TIMEOUT, ABSENT, ClaimAction.HAND_OVER, SAME
    ),
    "timed out, Slack busy": Row(
        OURS, TIMEOUT, BUSY, ClaimAction.HAND_OVER, Unfinished,
        f"{UNKNOWN_START} after {TIMEOUT}: http_503{RETRY_ASKS_AGAIN}",
    ),
    "timed out, history unreadable": Row(
        OURS, TIMEOUT, UNREADABLE, ClaimAction.HAND_OVER, FAIL,
        f"{UNKNOWN_START} after {TIMEOUT}: not_in_channel{FIX_AND_RERUN}",
    ),
    "timed out, unknown, forced": Row(FORCED, TIMEOUT, BUSY, ClaimAction.KEEP, Unfinished,
        f"{UNKNOWN_START} after {TIMEOUT}: http_503{RETRY_ASKS_AGAIN}"),
    "may be out, not asked": Row(
        OURS, MAYBE_500, None, ClaimAction.HAND_OVER, Unfinished,
        f"{FAILED}: {MAYBE_500}{RETRY_SENDS_REST}",
    ),
    "transient error": Row(OURS, HTTP_500, None, ClaimAction.RELEASE, SAME),
    "transient error, taking over": Row(TAKING_OVER, HTTP_500, None, ClaimAction.HAND_OVER, SAME),
    "transient error, forced": Row(FORCED, HTTP_500, None, ClaimAction.KEEP, SAME),
    "permanent error": Row(
        OURS, GONE, None, ClaimAction.RELEASE, FAIL, f"{FAILED}: user_not_found"
    ),
    "part sent, then transient": Row(
        OURS, PARTLY, None, ClaimAction.HAND_OVER, Unfinished,
        f"{FAILED}: {PARTLY}{RETRY_SENDS_REST}",
    ),
    "part sent, then permanent": Row(
        OURS, PARTLY_GONE, None, ClaimAction.HAND_OVER, FAIL,
        f"{FAILED}: {PARTLY_GONE}; a re-run sends the rest once that is fixed",
    ),
    "taking over, Slack cannot say": Row(
        TAKING_OVER, DeliveryUnknown(BUSY), None, ClaimAction.HAND_OVER, Unfinished,
        f"{UNKNOWN_START}: http_503{RETRY_ASKS_AGAIN}",
    ),
    "taking over, history unreadable": Row(
        TAKING_OVER, DeliveryUnknown(UNREADABLE), None, ClaimAction.HAND_OVER, FAIL,
        f"{UNKNOWN_START}: not_in_channel{FIX_AND_RERUN}",
    ),
    "other failure": Row(OURS, CRASH, None, ClaimAction.RELEASE, SAME),
    "other failure, taking over": Row(TAKING_OVER, CRASH, None, ClaimAction.HAND_OVER, SAME),
}


@pytest.mark.parametrize("row", TABLE.values(), ids=TABLE.keys())
def test_settle(row: Row) -> None:
    settlement = settle(row.attempted, row.error, row.search)

    assert settlement.claim is row.claim
    if row.ending is None:
        assert settlement.error is None
    elif row.ending is SAME:
        assert settlement.error is row.error
    else:
        assert type(settlement.error) is row.ending
        assert str(settlement.error) == row.message
