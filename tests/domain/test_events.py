"""Events and inactive members as pure rules: types, ids, triggers, who counts as missing."""

from __future__ import annotations

import datetime as dt

from marvin.domain.delivery_key import DeliveryKey
from marvin.domain.digest import digest_summary
from marvin.domain.events import (
    ACCOUNT_INACTIVE,
    BLOCKER_REPORTED,
    Event,
    blocker_reported,
    trigger_of,
)
from marvin.domain.models import Member

AT = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)


def test_a_blocker_event_has_one_id_per_member_and_date_however_often_it_is_edited() -> None:
    first = blocker_reported("eng", "2026-06-08", "U1", AT)
    edited = blocker_reported("eng", "2026-06-08", "U1", AT + dt.timedelta(minutes=5))
    assert first.id == edited.id == "eng/2026-06-08/U1"
    assert first.type == BLOCKER_REPORTED and (first.system, first.name) == (
        "standup", "blocker_reported")
    assert first.as_parameters() == {"team": "eng", "user": "U1", "event": BLOCKER_REPORTED,
                                     "event_id": "eng/2026-06-08/U1",
                                     "event_date": "2026-06-08"}


def test_a_run_names_its_trigger_from_its_parameters() -> None:
    event = Event(ACCOUNT_INACTIVE, "r1/U1", "eng", "U1", AT, {"reason": "user_not_found"})
    assert trigger_of(event.as_parameters()) == f"{ACCOUNT_INACTIVE} r1/U1"
    assert trigger_of({"team": "eng", "date": None}) == ""
    assert trigger_of({"event": ACCOUNT_INACTIVE}) == ACCOUNT_INACTIVE
    assert trigger_of({"event": 3, "event_id": "x"}) == ""


def test_an_inactive_member_is_not_missing_from_the_day_they_were_marked() -> None:
    gone = Member("U1", "eng", inactive_since="2026-06-08", inactive_reason="account_inactive")
    assert gone.belongs_on("2026-06-05") and not gone.belongs_on("2026-06-08")
    here = Member("U2", "eng")
    assert digest_summary([], [gone, here])["missing"] == 2  # the digest filters by date
    assert [m.user_id for m in (gone, here) if m.belongs_on("2026-06-08")] == ["U2"]
    assert "inactive_since='2026-06-08'" in repr(gone) and "joined_on" not in repr(gone)


def test_a_notice_is_keyed_by_who_it_is_about_and_who_is_told() -> None:
    key = DeliveryKey.notice("eng", "2026-06-08", "U1", "U0ADMIN")
    assert str(key) == "notice/eng/2026-06-08/U1:U0ADMIN"
    assert key.failed == "could not send the notice U1:U0ADMIN"
    assert key.already == "the notice U1:U0ADMIN for 2026-06-08 was already sent"
