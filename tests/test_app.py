"""The composition root: `open_marvin` opens each part on first use and closes what it opened."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

from marvin.app import Marvin, open_marvin
from marvin.domain.models import DEFAULT_TEAM, Member, Team
from marvin.settings import Settings, SettingsError

MONDAY_REMINDER = dt.datetime(2026, 6, 8, 8, 30, tzinfo=dt.UTC)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "store": f"sqlite:///{tmp_path / 'marvin.db'}",
        "slack_bot_token": None,
        "timezone": "UTC",
        "standup_time": "09:00",
        "reminder_time": "08:30",
        "standup_days": "mon-fri",
        "alert_channel": None,
        "executor": "local",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings


def opened(marvin: Marvin) -> set[str]:
    return {part for part in ("store", "history") if part in vars(marvin)}


def test_nothing_is_opened_until_it_is_used(tmp_path: Path) -> None:
    with open_marvin(make_settings(tmp_path)) as marvin:
        assert opened(marvin) == set()
    assert not (tmp_path / "marvin.db").exists()


def test_what_was_opened_is_closed_when_the_block_fails(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with pytest.raises(RuntimeError), open_marvin(settings) as marvin:
        store = marvin.store
        store.save_team(Team(name="core"))
        assert opened(marvin) == {"store"}
        raise RuntimeError("the command failed")
    assert opened(marvin) == set()
    with pytest.raises(Exception, match="closed"):
        store.list_teams()
    with open_marvin(settings) as again:
        assert [t.name for t in again.store.list_teams()] == ["core"]


def test_a_dry_run_prints_instead_of_sending_and_records_nothing(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)  # no Slack token: a dry run needs none
    out = io.StringIO()
    with open_marvin(settings, dry_run=True, out=out, now=lambda: MONDAY_REMINDER) as marvin:
        marvin.store.save_member(Member(user_id="U0AAA", team=DEFAULT_TEAM))
        run = marvin.run_flow("reminder", {"team": DEFAULT_TEAM})
        assert opened(marvin) == {"store"}
    assert run.state.is_successful(), run.state
    assert "U0AAA" in out.getvalue()
    with open_marvin(settings) as marvin:
        assert marvin.history.list_flow_runs() == []


def test_runs_that_would_send_need_the_slack_token_before_anything_runs(tmp_path: Path) -> None:
    with open_marvin(make_settings(tmp_path)) as marvin, pytest.raises(
        SettingsError, match="SLACK_BOT_TOKEN"
    ):
        marvin.prepare_runs()


def test_marvins_flows_take_the_dask_executor_at_start_up(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, executor="dask")
    with open_marvin(settings, dry_run=True, out=io.StringIO()) as marvin:
        marvin.prepare_runs()
        assert type(marvin.executor).__name__ == "DaskExecutor"
