"""`marvin workspaces list|rotate-key` as a user runs them: installed workspaces listed,
tokens never printed, and a key rotation that leaves every token readable with the new
key alone."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.fernet import Fernet
from slack_sdk import WebClient

from marvin.domain.workspace import Workspace
from marvin.store.installations import InstallationRecord, Installations
from marvin.store.sqlite.installations import SqliteInstallations
from marvin.store.token_cipher import TokenCipher, TokenUnreadable
from marvin.testing.slack_api import SlackStandIn
from tests.cli.harness import Cli

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def oauth_env(key: str, previous: str | None = None) -> dict[str, str | None]:
    return {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "client-secret-shh",
            "MARVIN_ENCRYPTION_KEY": key, "MARVIN_ENCRYPTION_KEY_PREVIOUS": previous,
            "SLACK_BOT_TOKEN": None}


def installed(cli: Cli, key: str) -> Installations:
    return Installations(SqliteInstallations(str(cli.db)), TokenCipher(key))


def test_rotate_key_reencrypts_every_token_and_says_how_many(cli: Cli) -> None:
    before = installed(cli, OLD)
    for i, team in enumerate(("TALPHA", "TBRAVO")):
        before.save(InstallationRecord(team, None, False, T0 + dt.timedelta(hours=i),
                                       bot_token=f"xoxb-{team}-0123456789"))
    before.rows.close()

    listed = cli("workspaces", "list", **oauth_env(OLD))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split() == ["TALPHA", "TBRAVO"] and "xoxb" not in listed.stdout

    rotated = cli("workspaces", "rotate-key", **oauth_env(NEW, previous=OLD))
    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted the tokens of 2 installation(s)" in rotated.stdout

    after = installed(cli, NEW)
    try:
        assert after.bot_token(Workspace("TBRAVO")) == "xoxb-TBRAVO-0123456789"
    finally:
        after.rows.close()
    stale = installed(cli, OLD)  # the old key alone reads nothing any more
    try:
        with pytest.raises(TokenUnreadable):
            stale.bot_token(Workspace("TALPHA"))
    finally:
        stale.rows.close()


def test_without_oauth_settings_the_commands_say_what_to_set(cli: Cli) -> None:
    result = cli("workspaces", "rotate-key")
    assert result.returncode == 2
    assert "SLACK_CLIENT_ID" in result.stderr and "Traceback" not in result.stderr
    missing_key = cli("workspaces", "list", **oauth_env(OLD) | {"MARVIN_ENCRYPTION_KEY": None})
    assert missing_key.returncode == 2
    assert "MARVIN_ENCRYPTION_KEY must be set" in missing_key.stderr
    assert "client-secret-shh" not in missing_key.stderr


def test_doctor_checks_each_installed_workspaces_token(cli: Cli, standin: SlackStandIn) -> None:
    standin.oauth.configure("1111.2222", "client-secret-shh")
    installations = installed(cli, OLD)
    for i, team in enumerate(("TALPHA", "TBRAVO")):
        code = standin.oauth.authorize(team, team_name=f"{team.title()} Inc")
        token = WebClient(base_url=standin.url).oauth_v2_access(
            client_id="1111.2222", client_secret="client-secret-shh", code=code)["access_token"]
        installations.save(InstallationRecord(team, None, False, T0 + dt.timedelta(hours=i),
                                              bot_token=str(token)))
    installations.rows.close()
    standin.oauth.uninstall("TBRAVO")  # and the event never reached Marvin

    result = cli("doctor", SLACK_API_URL=standin.url, SLACK_SIGNING_SECRET="abc123def456",
                 **oauth_env(OLD))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "✓ OAuth installs: 2 workspace(s) installed" in result.stdout
    assert "✓ Workspace TALPHA: token accepted by Slack (Talpha Inc)" in result.stdout
    assert "✗ Workspace TBRAVO: Slack refused its token (token_revoked)" in result.stdout
    assert "SLACK_BOT_TOKEN" not in result.stdout and "xoxb" not in result.stdout
