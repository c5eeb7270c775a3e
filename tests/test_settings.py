"""Settings validation: each bad value is one line naming the variable and the expected shape."""

from __future__ import annotations

import pytest

from marvin.settings import SettingsError, load_settings
from marvin.store.teams import default_team

BAD_TOKENS = [
    ("slack_bot_token", "xoxp-1234-5678-abcdef", "SLACK_BOT_TOKEN", "xoxb-", "a user token"),
    ("slack_bot_token", "xoxb-1234 5678", "SLACK_BOT_TOKEN", "xoxb-", "no spaces"),
    ("slack_bot_token", " xoxb-1234-5678", "SLACK_BOT_TOKEN", "xoxb-", ""),
    ("slack_bot_token", "xoxb-your-bot-token", "SLACK_BOT_TOKEN", ".env.example", "placeholder"),
    ("slack_bot_token", '"xoxb-1234-5678"', "SLACK_BOT_TOKEN", "xoxb-", ""),
    ("slack_app_token", "xoxb-1234-5678-abcdef", "SLACK_APP_TOKEN", "xapp-", "a bot token"),
    ("slack_app_token", "xapp-your-app-token", "SLACK_APP_TOKEN", ".env.example", "placeholder"),
    ("slack_signing_secret", "your-signing-secret", "SLACK_SIGNING_SECRET", ".env.example", ""),
    ("slack_signing_secret", "abc def", "SLACK_SIGNING_SECRET", "signing secret", "no spaces"),
]


@pytest.mark.parametrize(("field", "value", "variable", "expected", "detail"), BAD_TOKENS)
def test_a_token_of_the_wrong_shape_is_refused_by_name_without_showing_it(
    field: str, value: str, variable: str, expected: str, detail: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**{field: value})

    message = str(raised.value)
    assert f"{variable}: " in message and expected in message and detail in message, message
    assert "\n" not in message
    assert value.strip(' "') not in message, "a token must never be shown"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slack_bot_token", "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"),
        ("slack_app_token", "xapp-1-A0123456789-1234567890-abcdef0123456789"),
        ("slack_signing_secret", "8f742231b10e8888abcd99yyyzzz85a5"),
        ("slack_bot_token", ""),  # empty: unset, reported as missing only where it is needed
    ],
)
def test_well_formed_tokens_are_accepted(field: str, value: str) -> None:
    settings = load_settings(**{field: value})

    secret = getattr(settings, field)
    assert secret is not None and secret.get_secret_value() == value


BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp"
APP_TOKEN = "xapp-1-A0123456789-1234567890-abcdef0123456789"


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN,
                             slack_signing_secret="")

    assert settings.socket_mode
    assert settings.require_slack() == (BOT_TOKEN, None)


def test_http_mode_needs_the_signing_secret_and_says_socket_mode_would_not() -> None:
    settings = load_settings(slack_bot_token=BOT_TOKEN, slack_app_token="",
                             slack_signing_secret="")

    assert not settings.socket_mode  # an empty app token is unset
    with pytest.raises(SettingsError) as raised:
        settings.require_slack()
    assert str(raised.value).startswith("SLACK_SIGNING_SECRET must be set")
    assert "SLACK_APP_TOKEN for Socket Mode" in str(raised.value)


def test_the_shutdown_grace_defaults_to_20_s_and_is_never_negative() -> None:
    assert load_settings().shutdown_grace_seconds == 20
    assert load_settings(shutdown_grace_seconds="2.5").shutdown_grace_seconds == 2.5
    with pytest.raises(SettingsError, match="MARVIN_SHUTDOWN_GRACE_SECONDS|shutdown_grace"):
        load_settings(shutdown_grace_seconds="-1")


@pytest.mark.parametrize("value", ["#" + "c" * 81, "#a b"])
def test_a_channel_too_long_or_with_spaces_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="MARVIN_STANDUP_CHANNEL|standup_channel"):
        load_settings(standup_channel=value)


def test_admins_are_user_ids_separated_by_commas_or_spaces() -> None:
    assert load_settings(admins="U0123ABC, W0999 U0777").admin_ids == {
        "U0123ABC", "W0999", "U0777"}
    assert load_settings(admins="").admin_ids == frozenset()


@pytest.mark.parametrize("value", ["alice", "U1,@bob", "<@U0123>"])
def test_an_admin_that_is_not_a_user_id_is_refused_by_name(value: str) -> None:
    with pytest.raises(SettingsError, match="MARVIN_ADMINS: expected Slack user ids"):
        load_settings(admins=value)


def test_the_default_teams_reminder_zone_and_nudges_come_from_the_settings() -> None:
    team = default_team(load_settings(reminder_zone="member", nudge_before=15))
    assert (team.reminder_zone, team.nudge_before) == ("member", 15)
    assert (default_team(load_settings()).reminder_zone,
            default_team(load_settings()).nudge_before) == ("team", 0)


@pytest.mark.parametrize(("field", "value", "name"), [
    ("reminder_zone", "everyone", "MARVIN_REMINDER_ZONE|reminder_zone"),
    ("nudge_before", 721, "MARVIN_NUDGE_BEFORE|nudge_before"),
    ("nudge_before", -1, "MARVIN_NUDGE_BEFORE|nudge_before"),
])
def test_a_bad_reminder_zone_or_nudge_is_refused_by_name(
    field: str, value: object, name: str
) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings(**{field: value})
