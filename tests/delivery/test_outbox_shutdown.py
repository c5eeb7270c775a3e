"""The Outbox at shutdown: claims in hand are handed over, nothing more is sent or claimed.

What `marvin serve` does with runs still going when MARVIN_SHUTDOWN_GRACE_SECONDS is
over (`marvin.web.shutdown`), on both stores: the next process takes each claim over at
once and, asking Slack first, sends exactly what is missing.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest

from marvin.delivery.outbox import Outbox, ShuttingDown
from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.delivery_records import HandedOver, Sent, read_detail
from marvin.slack.protocol import ChatAPI
from marvin.store.base import Store
from tests.delivery.test_outbox import KEY, NOW, FakeChat

WHY = "shutdown: stopped before this run ended"


def outbox(store: Store, chat: FakeChat) -> Outbox:
    return Outbox(store, cast(ChatAPI, chat), lambda: NOW, 300)


def test_a_claim_in_hand_is_handed_over_and_the_next_process_sends_it(store: Store) -> None:
    chat, stopping = FakeChat(), outbox(store, FakeChat())
    with pytest.raises(ShuttingDown, match=WHY):
        with stopping.claim(KEY) as out:
            assert stopping.hand_over_all(WHY) == 1  # SIGTERM's grace ran out mid-send
            out.post_dm("U1", "hello")  # refused: the claim is no longer ours to use

    [record] = store.list_deliveries(KEY.team, KEY.date)
    assert read_detail(record) == HandedOver(WHY)
    later = NOW + dt.timedelta(seconds=1)  # well within the lease: taken over at once
    restarted = Outbox(store, cast(ChatAPI, chat), lambda: later, 300)
    with restarted.claim(KEY) as out:
        out.post_dm("U1", "hello")
    assert chat.posts == ["hello"]
    [record] = store.list_deliveries(KEY.team, KEY.date)
    assert isinstance(read_detail(record), Sent)


def test_after_shutdown_nothing_new_is_claimed_and_settled_claims_stay(store: Store) -> None:
    chat = FakeChat()
    box = outbox(store, chat)
    with box.claim(KEY) as out:
        out.post_dm("U1", "hello")

    assert box.hand_over_all(WHY) == 0  # nothing in hand
    other = DeliveryKey.reminder(KEY.team, KEY.date, "U2")
    with pytest.raises(ShuttingDown):
        with box.claim(other) as out:
            out.post_dm("U2", "hello")
    assert chat.posts == ["hello"]
    [record] = store.list_deliveries(KEY.team, KEY.date)  # U1's Sent; U2 never claimed
    assert read_detail(record) == Sent("DU1", ("1.000100",))
