"""What a stored delivery's `detail` says: the rule lives in `marvin.domain.delivery_records`
(pure, so the App Home can read where a report went); the delivery code imports it here.
"""

from __future__ import annotations

from marvin.domain.delivery_records import (
    PARTS,
    RESUMABLE,
    Claimed,
    HandedOver,
    PostedMessage,
    Sent,
    read_detail,
)

__all__ = ["PARTS", "RESUMABLE", "Claimed", "HandedOver", "PostedMessage", "Sent",
           "read_detail"]
