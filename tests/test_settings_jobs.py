"""The settings of the external scheduler: MARVIN_SCHEDULER and who may call POST /jobs."""

from __future__ import annotations

from typing import Any

import pytest

from marvin.settings import GOOGLE_OIDC_CERTS_URL, Settings, SettingsError, load_settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_by_default_the_scheduler_is_internal_and_needs_no_jobs_credentials() -> None:
    default = settings()

    default.require_jobs_auth()
    assert default.scheduler == "internal"
    assert default.jobs_certs_url == GOOGLE_OIDC_CERTS_URL


def test_an_external_scheduler_needs_a_token_or_an_audience() -> None:
    with pytest.raises(SettingsError, match="MARVIN_JOBS_TOKEN .* or MARVIN_JOBS_AUDIENCE"):
        settings(scheduler="external").require_jobs_auth()
    with pytest.raises(SettingsError):
        settings(scheduler="external", jobs_token="").require_jobs_auth()  # blank is unset
    settings(scheduler="external", jobs_token="t0ken").require_jobs_auth()
    settings(scheduler="external", jobs_audience="https://m.run.app").require_jobs_auth()


def test_a_bad_scheduler_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARVIN_SCHEDULER", "cron")

    with pytest.raises(SettingsError, match="MARVIN_SCHEDULER: .*'internal' or 'external'"):
        load_settings(_env_file=None)


def test_the_jobs_token_is_a_secret_redacted_from_run_history_and_reprs() -> None:
    assert "s3cret-jobs" in settings(jobs_token="s3cret-jobs").secret_values()
    assert "s3cret-jobs" not in repr(settings(jobs_token="s3cret-jobs"))
