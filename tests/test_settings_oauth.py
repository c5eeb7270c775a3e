"""OAuth mode's settings: on with the client id and secret, then an encryption key is
required; scopes default to the manifest's; every new secret is redacted, none shown."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet

from marvin.history.redact import REDACTED, Redactor
from marvin.settings import SettingsError, load_settings
from marvin.slack.oauth import oauth_settings
from marvin.store.installations import Installations
from marvin.store.sqlite.installations import SqliteInstallations
from marvin.store.token_cipher import TokenCipher

ROOT = Path(__file__).resolve().parent.parent
KEY = Fernet.generate_key().decode()
OAUTH = {"slack_client_id": "1111.2222", "slack_client_secret": "client-secret-shh"}


@pytest.fixture(autouse=True)
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the machine's
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SCOPES",
                 "MARVIN_ENCRYPTION_KEY", "MARVIN_ENCRYPTION_KEY_PREVIOUS", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_without_client_credentials_marvin_stays_in_single_token_mode() -> None:
    settings = load_settings(slack_bot_token="xoxb-1234-5678-abcdef")
    assert not settings.oauth_mode
    assert not load_settings(slack_client_id="1111.2222").oauth_mode  # no secret: off


def test_oauth_mode_needs_an_encryption_key_and_says_how_to_make_one() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**OAUTH)
    message = str(raised.value)
    assert "MARVIN_ENCRYPTION_KEY must be set" in message
    assert "Fernet.generate_key()" in message
    assert "client-secret-shh" not in message
    assert load_settings(**OAUTH, encryption_key=KEY).oauth_mode


@pytest.mark.parametrize("field, variable", [("encryption_key", "MARVIN_ENCRYPTION_KEY"), (
    "encryption_key_previous", "MARVIN_ENCRYPTION_KEY_PREVIOUS")])
def test_a_key_that_is_no_fernet_key_is_refused_by_name_without_showing_it(
    field: str, variable: str,
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(**{**OAUTH, "encryption_key": KEY, field: "not-a-key-0123456789"})
    message = str(raised.value)
    assert f"{variable}: expected a Fernet key" in message and "generate_key" in message
    assert "not-a-key-0123456789" not in message


def test_scopes_default_to_the_manifests_bot_scopes(tmp_path: Path) -> None:
    manifest = yaml.safe_load((ROOT / "slack-app-manifest.yml").read_text())
    bot_scopes = manifest["oauth_config"]["scopes"]["bot"]
    settings = load_settings(**OAUTH, encryption_key=KEY)
    rows = SqliteInstallations(str(tmp_path / "m.db"))
    try:
        installations = Installations(rows, TokenCipher(KEY))
        assert oauth_settings(settings, installations).scopes == bot_scopes
        chosen = load_settings(**OAUTH, encryption_key=KEY, slack_scopes="commands, chat:write")
        assert oauth_settings(chosen, installations).scopes == ["commands", "chat:write"]
    finally:
        rows.close()


def test_a_malformed_scope_list_is_refused() -> None:
    with pytest.raises(SettingsError, match="SLACK_SCOPES: expected Slack scopes"):
        load_settings(slack_scopes="chat:write;DROP")


def test_the_new_secrets_are_redacted_from_run_history() -> None:
    previous = Fernet.generate_key().decode()
    settings = load_settings(**OAUTH, encryption_key=KEY, encryption_key_previous=previous)
    redact = Redactor(settings.secret_values())
    text = f"client-secret-shh {KEY} {previous} xoxb-TALPHA-1-0123456789abcdef"
    assert redact(text) == " ".join([REDACTED] * 4)
