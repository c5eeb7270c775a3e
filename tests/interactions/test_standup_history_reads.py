"""What `/standup history` reads, on both stores: a current teammate named by id is one
read by id (not the team's members), a former one is still found, the bounds hold
(two years back, a month ahead), and a skip on a day of time off reads "away" (time off
is read only when some date has nothing said)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from marvin.domain.models import Absence, Member, Team
from marvin.interactions.standup_history import standup_history
from marvin.store import Store
from tests.support.counting_store import CountingStore

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
AT = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def _seed(store: Store) -> None:
    store.save_team(Team("ops"))
    store.save_team(Team("web"))
    for user, team in (("U0001", "ops"), ("U0002", "ops"), ("U0003", "ops"), ("U0004", "web")):
        store.save_member(Member(user, team, f"name-{user}"))
        store.append_update(team, "2026-11-02", user, f"{user} posted", AT)
    store.remove_member("U0003", left_on="2026-11-10")
    store.append_update("ops", "2024-11-20", "U0002", "over two years ago", AT)
    store.append_update("ops", "2024-11-27", "U0002", "just within two years", AT)
    store.append_update("ops", "2026-12-20", "U0002", "three weeks ahead", AT)
    store.append_update("ops", "2027-01-05", "U0002", "six weeks ahead", AT)


def test_a_current_teammate_by_id_is_read_by_id_and_the_bounds_hold(store: Store) -> None:
    _seed(store)
    counted = CountingStore(store)
    answer = standup_history(cast(Store, counted), "U0001", "<@U0002|bob> 30", NOW)
    assert answer.ok, answer.text
    text = "\n".join(str(b) for b in answer.blocks)
    assert "three weeks ahead" in text and "U0002 posted" in text
    assert "just within two years" in text
    assert "over two years ago" not in text and "six weeks ahead" not in text
    assert "list_members" not in counted.calls


def test_a_former_teammate_is_found_and_another_team_is_not(store: Store) -> None:
    _seed(store)
    former = standup_history(store, "U0001", "<@U0003>", NOW)
    assert former.ok and "U0003 posted" in "\n".join(str(b) for b in former.blocks)
    other = standup_history(store, "U0001", "<@U0004>", NOW)
    assert not other.ok and "not in team" in other.text


def test_a_day_of_time_off_with_nothing_said_is_away(store: Store) -> None:
    _seed(store)
    counted = CountingStore(store)
    assert "list_absences" not in counted.calls
    standup_history(cast(Store, counted), "U0001", "", NOW)
    assert "list_absences" not in counted.calls  # every date shown was posted
    store.save_absence(Absence("U0001", "2026-11-20", "2026-11-20", "trip"))
    store.set_skipped("ops", "2026-11-20", "U0001", True, AT)
    store.set_skipped("ops", "2026-11-19", "U0001", True, AT)
    answer = standup_history(cast(Store, counted), "U0001", "", NOW)
    text = "\n".join(str(b["text"]["text"]) for b in answer.blocks)
    assert "(2026-11-20)\n_away_" in text and "(2026-11-19)\n_skipped_" in text
    assert counted.calls["list_absences"] == 1
