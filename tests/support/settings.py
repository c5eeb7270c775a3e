"""Settings for tests that run Marvin against the Slack stand-in, every field spelled out.

Spelled out so that nothing from the machine's environment (MARVIN_*, SLACK_*) leaks into a
test; each test package passes its own token and secret, and what it needs otherwise.
"""

from __future__ import annotations

from typing import Any

from marvin.settings import Settings


def stand_in_settings(url: str, token: str, signing_secret: str, **fields: Any) -> Settings:
    """Settings whose Slack is the stand-in at `url`; `fields` override the defaults below."""
    values: dict[str, Any] = {
        "slack_bot_token": token,
        "slack_signing_secret": signing_secret,
        "slack_api_url": url,
        "timezone": "UTC",
        "standup_time": "09:00",
        "reminder_time": "08:30",
        "standup_days": "mon-fri",
        "standup_channel": "#general",
        "alert_channel": None,
        "executor": "threads",
        "dashboard_token": None,
        "slack_client_id": None,  # single-token mode unless a test asks for OAuth
        "slack_client_secret": None,
        **fields,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings
