"""The `Store` contract for day summaries: stored per (team, date), read for a range in one
query, saved by compare-and-set, and made stale by every write to one of the date's
updates or to time off over it. Every test runs on SQLite and on Firestore (the emulator)."""

from __future__ import annotations

from marvin.domain.day_summary import DaySummary
from marvin.domain.models import Absence, Answer, Member
from marvin.store import Store
from tests.store.test_contract import at

MON, TUE, WED = "2026-03-02", "2026-03-03", "2026-03-04"


def summary(date: str, posted: int = 1, team: str = "ops") -> DaySummary:
    return DaySummary(team=team, date=date, posted=posted, away=1, skipped=0, missed=2,
                      reminders=3, nudges=1, first_posts=(1_772_000_000_123_456,) * posted,
                      unknown_first_posts=0, other_first_posts=(1_772_000_000_000_001,))


def test_a_saved_summary_reads_back_by_range_sorted_and_only_that_team(store: Store) -> None:
    assert store.list_day_summaries("ops", MON, WED) == []
    for date in (WED, MON):
        assert store.save_day_summary(summary(date), None)
    assert store.save_day_summary(summary(TUE, team="dev"), None)
    listed = store.list_day_summaries("ops", MON, TUE)
    assert [(s.date, s.summary) for s in listed] == [(MON, summary(MON))]
    assert listed[0].version is not None
    assert [s.date for s in store.list_day_summaries("ops", MON, WED)] == [MON, WED]


def test_saving_is_a_compare_and_set_on_the_version_read(store: Store) -> None:
    assert store.save_day_summary(summary(MON), None)
    assert not store.save_day_summary(summary(MON, posted=5), None)  # one exists already
    (read,) = store.list_day_summaries("ops", MON, MON)
    assert store.save_day_summary(summary(MON, posted=2), read.version)
    (again,) = store.list_day_summaries("ops", MON, MON)
    assert again.summary == summary(MON, posted=2)


def test_every_update_write_makes_the_dates_summary_stale(store: Store) -> None:
    writes = [
        lambda: store.append_update("ops", MON, "U1", "late", at(1)),
        lambda: store.save_answers("ops", MON, "U1", (Answer("done", "Done?", "a"),), at(2)),
        lambda: store.set_skipped("ops", MON, "U1", True, at(3)),
        lambda: store.clear_update("ops", MON, "U1"),
    ]
    store.save_day_summary(summary(TUE), None)
    for write in writes:
        (read,) = store.list_day_summaries("ops", MON, MON) or [None]
        version = None if read is None else read.version
        assert store.save_day_summary(summary(MON), version)
        write()
        (stale,) = store.list_day_summaries("ops", MON, MON)
        assert stale.summary is None and stale.version is not None
        # a summary computed from what was read before the write does not land
        assert not store.save_day_summary(summary(MON, posted=9), version)
        assert store.list_day_summaries("ops", MON, MON)[0].summary is None
    # another date's summary is left alone
    assert store.list_day_summaries("ops", TUE, TUE)[0].summary == summary(TUE)


def test_a_summary_saved_before_the_first_write_of_its_date_is_stale_after_it(
    store: Store,
) -> None:
    assert store.save_day_summary(summary(WED), None)  # computed: nobody had written yet
    store.append_update("ops", WED, "U7", "first", at(4))
    (read,) = store.list_day_summaries("ops", WED, WED)
    assert read.summary is None
    assert store.save_day_summary(summary(WED, posted=2), read.version)
    assert store.list_day_summaries("ops", WED, WED)[0].summary == summary(WED, posted=2)


def test_time_off_written_or_removed_makes_its_dates_summaries_stale(store: Store) -> None:
    """Time off changes a day's state as an update does: adding, moving or removing it
    leaves the member's team's summaries of every date it covers, or covered, stale."""
    store.save_member(Member("U1", "ops"))
    thu = "2026-03-05"

    def kept() -> dict[str, str | None]:
        """Each summary saved afresh; the versions they were saved at."""
        for read in store.list_day_summaries("ops", MON, thu):
            store.save_day_summary(summary(read.date), read.version)
        return {s.date: s.version for s in store.list_day_summaries("ops", MON, thu)}

    def stale() -> list[str]:
        return [s.date for s in store.list_day_summaries("ops", MON, thu) if s.summary is None]

    for date in (MON, TUE, WED, thu):
        store.save_day_summary(summary(date), None)
    store.save_day_summary(summary(TUE, team="dev"), None)
    before = kept()
    store.save_absence(Absence("U1", TUE, WED, "off"))
    assert stale() == [TUE, WED]
    assert not store.save_day_summary(summary(TUE), before[TUE])  # read before: refused
    assert store.list_day_summaries("dev", TUE, TUE)[0].summary is not None  # other team
    kept()
    store.save_absence(Absence("U1", TUE, TUE, "shorter"))  # WED no longer covered
    assert stale() == [TUE, WED]
    kept()
    assert store.delete_absence("U1", TUE)
    assert stale() == [TUE]
    kept()
    assert not store.delete_absence("U1", TUE)
    store.save_absence(Absence("U9", MON, thu, "not a member of any team"))
    assert stale() == []
