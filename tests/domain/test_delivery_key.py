"""Delivery keys keep the exact strings that messages already in Slack carry."""

from __future__ import annotations

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.models import DeliveryKind


def test_a_reminder_key_is_kind_team_date_user() -> None:
    key = DeliveryKey.reminder("default", "2026-11-23", "U1")
    assert key == DeliveryKey(DeliveryKind.REMINDER, "default", "2026-11-23", "U1")
    assert str(key) == "reminder/default/2026-11-23/U1"


def test_a_digest_key_is_kind_team_date_channel() -> None:
    key = DeliveryKey.digest("default", "2026-11-23", "#general")
    assert key == DeliveryKey(DeliveryKind.DIGEST, "default", "2026-11-23", "#general")
    assert str(key) == "digest/default/2026-11-23/#general"


def test_keys_say_what_failed_and_what_was_sent_already() -> None:
    reminder = DeliveryKey.reminder("default", "2026-11-23", "U1")
    digest = DeliveryKey.digest("default", "2026-11-23", "#general")
    assert reminder.failed == "could not remind U1"
    assert reminder.already == "U1 was already reminded for 2026-11-23"
    assert digest.failed == "could not post the digest to #general"
    assert digest.already == "the digest for 2026-11-23 was already posted to #general"
