"""Who takes part on a date: away members and those who skipped do not."""

from __future__ import annotations

import pytest

from marvin.domain.availability import absence_on, away_on, is_taking_part
from marvin.domain.models import Absence, Member, MemberPrefs, Team, Update
from marvin.domain.zones import personal_zone

ALICE, BOB = Member("U1", "ops"), Member("U2", "ops")
# Over the end of British summer time (25 October 2026) and over the new year.
AUTUMN = Absence("U1", "2026-10-23", "2026-10-27", "half term")
WINTER = Absence("U1", "2026-12-30", "2027-01-02", "")


@pytest.mark.parametrize(
    ("date", "away"),
    [("2026-10-22", False), ("2026-10-23", True), ("2026-10-25", True), ("2026-10-26", True),
     ("2026-10-27", True), ("2026-10-28", False), ("2026-12-31", True), ("2027-01-01", True),
     ("2027-01-02", True), ("2027-01-03", False)],
)
def test_away_ranges_include_both_ends_across_dst_and_the_new_year(date: str, away: bool) -> None:
    assert is_taking_part(ALICE, date, [AUTUMN, WINTER], None) is not away
    assert is_taking_part(BOB, date, [AUTUMN, WINTER], None)  # someone else's time off


def test_skipping_is_not_taking_part_unless_they_posted_after_all() -> None:
    skipped = Update("ops", "2026-11-20", "U1", skipped=True)
    assert not is_taking_part(ALICE, "2026-11-20", [], skipped)
    posted = Update("ops", "2026-11-20", "U1", entries=("here after all",), skipped=True)
    assert is_taking_part(ALICE, "2026-11-20", [], posted)
    assert is_taking_part(ALICE, "2026-11-20", [], Update("ops", "2026-11-20", "U1"))


def test_away_on_names_each_member_once_with_their_reason() -> None:
    overlapping = Absence("U1", "2026-10-25", "2026-10-26", "later")
    assert away_on([ALICE, BOB], "2026-10-25", [AUTUMN, overlapping]) == {"U1": "half term"}
    assert away_on([ALICE, BOB], "2026-10-28", [AUTUMN]) == {}
    assert absence_on("U1", "2026-10-26", [overlapping, AUTUMN]) == AUTUMN


def test_a_members_dates_are_in_their_slack_zone_else_the_teams() -> None:
    team = Team(timezone="Pacific/Kiritimati")  # reminded in the team's zone
    assert personal_zone(team, MemberPrefs("U1", tz="Pacific/Pago_Pago")) == "Pacific/Pago_Pago"
    assert personal_zone(team, MemberPrefs("U1")) == "Pacific/Kiritimati"
    assert personal_zone(team, MemberPrefs("U1", tz="Mars/Olympus")) == "Pacific/Kiritimati"
    assert personal_zone(team, None) == "Pacific/Kiritimati"
