"""Reading the schedule modal back: every field checked, nothing Slack could send crashes it."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.domain.models import Team
from marvin.interactions.schedule_modal import read_schedule, schedule_modal, submitted_team


def state(**values: Any) -> dict[str, Any]:
    return {"state": {"values": values}}


def test_the_modal_is_prefilled_and_names_its_team() -> None:
    team = Team("ops", "Asia/Tokyo", "10:00", "09:30", (0, 4), "#ops")
    view = schedule_modal(team)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["zone"]["element"]["initial_value"] == "Asia/Tokyo"
    assert [o["value"] for o in blocks["days"]["element"]["initial_options"]] == ["0", "4"]
    assert blocks["standup"]["element"]["initial_time"] == "10:00"
    assert submitted_team(view) == "ops"


@pytest.mark.parametrize("view", [
    {}, {"state": None}, {"state": {"values": []}}, state(zone="x"),
    state(zone={"zone": None}, days={"days": {"selected_options": [None, {"value": 9}]}}),
])
def test_garbage_state_is_errors_not_a_crash(view: dict[str, Any]) -> None:
    submission = read_schedule(Team("ops"), view)
    assert submission.changed is None
    assert {"zone", "days", "reminder", "standup", "channel"} <= set(submission.errors)


@pytest.mark.parametrize("meta", [None, "", "{", "[]", '{"team": 3}', '{"team": ""}'])
def test_metadata_that_is_not_ours_names_no_team(meta: Any) -> None:
    assert submitted_team({"private_metadata": meta}) is None


def test_times_are_normalised_and_other_settings_kept() -> None:
    view = state(
        zone={"zone": {"value": " Europe/Oslo "}},
        days={"days": {"selected_options": [{"value": "6"}, {"value": "1"}, {"value": "1"}]}},
        reminder={"reminder": {"selected_time": "7:05"}},
        standup={"standup": {"selected_time": "08:00"}},
        channel={"channel": {"value": "C0123"}},
    )
    submission = read_schedule(Team("ops"), view)
    assert submission.changed == Team("ops", "Europe/Oslo", "08:00", "07:05", (1, 6), "C0123")
