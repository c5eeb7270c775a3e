from __future__ import annotations

import pytest

from marvin.domain.names import MAX_NAME_LENGTH, check_channel, check_team_name
from marvin.store.firestore.client import doc_id


@pytest.mark.parametrize("name", ["default", "eng", "Team-2.b_x", "équipe", "x" * MAX_NAME_LENGTH])
def test_plain_names_are_team_names(name: str) -> None:
    assert check_team_name(name) == name


@pytest.mark.parametrize("name", [
    "", "x" * (MAX_NAME_LENGTH + 1), "x" * 1480, "the ops", "ops/x", "-ops", "_ops", "[/eng]",
    "ops\n",
])
def test_other_team_names_are_refused_saying_what_is_allowed(name: str) -> None:
    with pytest.raises(ValueError, match="letters, digits, '-', '_' or '.'"):
        check_team_name(name)


@pytest.mark.parametrize("channel", ["#general", "#team-ops_2", "C0123ABC", "#" + "c" * 80])
def test_channel_names_and_ids_are_channels(channel: str) -> None:
    assert check_channel(channel) == channel


@pytest.mark.parametrize("channel", ["", "#", "#" + "c" * 81, "# general", "#a/b", "##x"])
def test_other_channels_are_refused(channel: str) -> None:
    with pytest.raises(ValueError, match="expected a channel name"):
        check_channel(channel)


def test_the_longest_ids_derived_from_valid_names_fit_firestore() -> None:
    team, channel = "界" * MAX_NAME_LENGTH, "#" + "é" * MAX_NAME_LENGTH
    key = doc_id("standup", check_team_name(team), "2026-03-02", check_channel(channel))
    assert len(key.encode("utf-8")) < 1500
