"""A stored delivery's detail read as one state (`marvin.delivery.records`), old rows too."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.delivery.records import Claimed, HandedOver, Sent, read_detail
from marvin.domain.models import Delivery, DeliveryKind

AT = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def stored(detail: str, sent: bool = False) -> Delivery:
    return Delivery(DeliveryKind.DIGEST, "default", "2026-11-23", "#general", AT, sent, detail)


@pytest.mark.parametrize(
    ("detail", "sent", "state"),
    [
        ("host:1:2 run1/post_digest", False, Claimed("host:1:2 run1/post_digest")),
        ("", False, Claimed("")),
        ("resumable: 1 of 2 messages sent", False, HandedOver("1 of 2 messages sent")),
        ("C0123ABCD:1700000000.000100", True, Sent("C0123ABCD", ("1700000000.000100",))),
        # Records written before the channel id was kept hold only the timestamps.
        (
            "1700000000.000100,1700000001.000200", True,
            Sent(None, ("1700000000.000100", "1700000001.000200")),
        ),
    ],
)
def test_each_state_reads_from_its_detail(
    detail: str, sent: bool, state: Claimed | HandedOver | Sent
) -> None:
    assert read_detail(stored(detail, sent)) == state


@pytest.mark.parametrize(
    "state",
    [
        Claimed("host:1:2 run1/post_digest"),
        HandedOver("http_500"),
        Sent("C0123ABCD", ("1.000100", "2.000200")),
        Sent(None, ("1.000100",)),
    ],
)
def test_what_is_written_reads_back_the_same(state: Claimed | HandedOver | Sent) -> None:
    assert read_detail(stored(state.detail, isinstance(state, Sent))) == state
