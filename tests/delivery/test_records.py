"""A stored delivery's detail read as one state (`marvin.domain.delivery_records`), old rows too."""

from __future__ import annotations

import datetime as dt

import pytest

from marvin.domain.delivery_records import Claimed, HandedOver, PostedMessage, Sent, read_detail
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
        Sent("C0123ABCD", ("1.000100", "2.000200", "3.000300"),
             ("0=0123456789abcdef", "1.0=", "1.1=fedcba9876543210")),
    ],
)
def test_what_is_written_reads_back_the_same(state: Claimed | HandedOver | Sent) -> None:
    assert read_detail(stored(state.detail, isinstance(state, Sent))) == state


def test_each_posted_message_has_its_part_and_fingerprint() -> None:
    sent = read_detail(stored("C1:1.000100,2.000200;0=aa,1.0=", sent=True))
    assert isinstance(sent, Sent)
    assert sent.posted() == [PostedMessage("1.000100", "0", "aa"),
                             PostedMessage("2.000200", "1.0", "")]


def test_a_record_without_parts_is_one_message_per_part_of_unknown_content() -> None:
    """Digests sent before parts were kept: each is edited on its next sync."""
    sent = read_detail(stored("C1:1.000100,2.000200", sent=True))
    assert isinstance(sent, Sent)
    assert sent.posted() == [PostedMessage("1.000100", "0"), PostedMessage("2.000200", "1")]
