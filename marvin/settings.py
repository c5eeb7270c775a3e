"""Settings: the only module that reads the environment (and `.env`).

Example::

    settings = load_settings()          # raises SettingsError with a readable message
    settings.store                      # "sqlite:///marvin.db" unless MARVIN_STORE is set

Every setting has the exact environment name documented in the README and
`.env.example`. Secrets are `SecretStr`, so they never show up in a repr, a log line or
an error message. Validation errors name the variable and what was expected, because
the person reading them is setting up Marvin, not debugging pydantic.
"""

from __future__ import annotations

import base64
import re
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from marvin.domain.names import check_channel
from marvin.domain.nudge import MAX_NUDGE_BEFORE
from marvin.domain.standup import is_user_id

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
GOOGLE_OIDC_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
"""Google's public keys of the ID tokens Cloud Scheduler signs (PEM certificates by key id)."""

#: Slack's token kinds by prefix, to say what a wrong one is (xoxp- is a user token).
_TOKEN_KINDS = {"xoxb-": "a bot token", "xapp-": "an app-level token", "xoxp-": "a user token",
                "xoxa-": "a workspace token", "xoxe": "a refresh token"}
#: The placeholders `.env.example` ships with: copied unchanged, they would reach Slack.
PLACEHOLDERS = frozenset({"xoxb-your-bot-token", "xapp-your-app-token", "your-signing-secret"})
_TOKEN_BODY = re.compile(r"[A-Za-z0-9-]+")
_SCOPE = re.compile(r"[a-z][a-z0-9_.]*(:[a-z0-9_.]+)*")
MAKE_KEY = ('make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"')


class SettingsError(Exception):
    """The configuration is missing something or has a bad value; the message says which."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Marvin's configuration; see README "Settings" for each variable."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias=_env("SLACK_API_URL"))

    store: str = Field("sqlite:///marvin.db", validation_alias=_env("MARVIN_STORE"))
    google_cloud_project: str | None = Field(None, validation_alias=_env("GOOGLE_CLOUD_PROJECT"))

    timezone: str = Field("UTC", validation_alias=_env("MARVIN_TIMEZONE"))
    standup_time: str = Field("09:00", validation_alias=_env("MARVIN_STANDUP_TIME"))
    reminder_time: str = Field("08:30", validation_alias=_env("MARVIN_REMINDER_TIME"))
    standup_days: str = Field("mon-fri", validation_alias=_env("MARVIN_STANDUP_DAYS"))
    standup_channel: str = Field("#general", validation_alias=_env("MARVIN_STANDUP_CHANNEL"))
    reminder_zone: Literal["team", "member"] = Field(
        "team", validation_alias=_env("MARVIN_REMINDER_ZONE")
    )
    nudge_before: int = Field(
        0, ge=0, le=MAX_NUDGE_BEFORE, validation_alias=_env("MARVIN_NUDGE_BEFORE")
    )
    alert_channel: str | None = Field(None, validation_alias=_env("MARVIN_ALERT_CHANNEL"))

    host: str = Field("127.0.0.1", validation_alias=_env("MARVIN_HOST"))
    port: int = Field(3000, ge=1, le=65535, validation_alias=_env("MARVIN_PORT"))
    executor: Literal["local", "threads", "dask"] = Field(
        "threads", validation_alias=_env("MARVIN_EXECUTOR")
    )
    dask_address: str | None = Field(None, validation_alias=_env("MARVIN_DASK_ADDRESS"))
    max_workers: int = Field(16, ge=1, le=256, validation_alias=_env("MARVIN_MAX_WORKERS"))
    slack_threads: int | None = Field(
        None, ge=1, le=256, validation_alias=_env("MARVIN_SLACK_THREADS")
    )
    dashboard_token: SecretStr | None = Field(
        None, validation_alias=_env("MARVIN_DASHBOARD_TOKEN")
    )
    run_retention_days: int = Field(
        30, ge=1, le=3650, validation_alias=_env("MARVIN_RUN_RETENTION_DAYS")
    )
    delivery_lease_seconds: int = Field(
        300, ge=1, le=86_400, validation_alias=_env("MARVIN_DELIVERY_LEASE_SECONDS")
    )
    shutdown_grace_seconds: float = Field(
        20, ge=0, le=3600, validation_alias=_env("MARVIN_SHUTDOWN_GRACE_SECONDS")
    )
    misfire_grace_seconds: int = Field(
        3600, ge=1, validation_alias=_env("MARVIN_MISFIRE_GRACE_SECONDS")
    )
    admins: str = Field("", validation_alias=_env("MARVIN_ADMINS"))

    # OAuth install into many workspaces: on when the client id and secret are set
    slack_client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_CLIENT_SECRET")
    )
    slack_scopes: str = Field("", validation_alias=_env("SLACK_SCOPES"))
    encryption_key: SecretStr | None = Field(
        None, validation_alias=_env("MARVIN_ENCRYPTION_KEY")
    )
    encryption_key_previous: SecretStr | None = Field(
        None, validation_alias=_env("MARVIN_ENCRYPTION_KEY_PREVIOUS")
    )
    # Replicas and the external scheduler: who fires the slots, and who may ask over HTTP
    scheduler: Literal["internal", "external"] = Field(
        "internal", validation_alias=_env("MARVIN_SCHEDULER")
    )
    jobs_token: SecretStr | None = Field(None, validation_alias=_env("MARVIN_JOBS_TOKEN"))
    jobs_audience: str | None = Field(None, validation_alias=_env("MARVIN_JOBS_AUDIENCE"))
    jobs_service_account: str | None = Field(
        None, validation_alias=_env("MARVIN_JOBS_SERVICE_ACCOUNT")
    )
    jobs_certs_url: str = Field(
        GOOGLE_OIDC_CERTS_URL, validation_alias=_env("MARVIN_JOBS_CERTS_URL")
    )

    @field_validator("slack_api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        if not secret:
            return value  # empty means unset; `require_slack` says what is missing
        if secret in PLACEHOLDERS:
            raise ValueError("still the .env.example placeholder: set your app's real value")
        if info.field_name == "slack_signing_secret":
            if not _TOKEN_BODY.fullmatch(secret):
                raise ValueError("expected the app's signing secret: letters and digits, "
                                 "no spaces or quotes")
            return value
        prefix = "xoxb-" if info.field_name == "slack_bot_token" else "xapp-"
        return _check_token(value, prefix)

    @field_validator("encryption_key", "encryption_key_previous")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return value
        if not _is_fernet_key(value.get_secret_value()):
            raise ValueError(f"expected a Fernet key (32 bytes, url-safe base64); {MAKE_KEY}")
        return value

    @field_validator("slack_scopes")
    @classmethod
    def _scopes(cls, value: str) -> str:
        bad = [s for s in _split_ids(value) if not _SCOPE.fullmatch(s)]
        if bad:
            raise ValueError(f"expected Slack scopes like chat:write, comma-separated; "
                             f"got {bad[0]!r}")
        return value

    @field_validator("store")
    @classmethod
    def _store(cls, value: str) -> str:
        if value == "firestore" or (value.startswith("sqlite:///") and len(value) > 10):
            return value
        raise ValueError("expected sqlite:///PATH (e.g. sqlite:///marvin.db) or firestore")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as Europe/London") from None
        return value

    @field_validator("standup_time", "reminder_time")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        from marvin.domain.standup import parse_hhmm

        hour, minute = parse_hhmm(value)
        return f"{hour:02d}:{minute:02d}"

    @field_validator("standup_days")
    @classmethod
    def _days(cls, value: str) -> str:
        from marvin.domain.standup import parse_days

        parse_days(value)
        return value

    @field_validator("standup_channel", "alert_channel")
    @classmethod
    def _channel(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("expected a channel name like #general or an id like C0123")
        return check_channel(value.strip()) if value else value

    @field_validator("admins")
    @classmethod
    def _admins(cls, value: str) -> str:
        bad = [part for part in _split_ids(value) if not is_user_id(part)]
        if bad:
            raise ValueError(f"expected Slack user ids like U0123, comma-separated; got {bad[0]!r}")
        return value

    @property
    def admin_ids(self) -> frozenset[str]:
        """Slack user ids Marvin treats as admins, besides workspace admins and owners."""
        return frozenset(_split_ids(self.admins))

    def slack_thread_count(self) -> int:
        """Threads serving Slack requests: few for SQLite (CPU-bound, GIL), many for
        Firestore (each request waits on the network); MARVIN_SLACK_THREADS overrides."""
        if self.slack_threads is not None:
            return self.slack_threads
        return 16 if self.store == "firestore" else 2

    def secret_values(self) -> list[str]:
        """Every configured secret, so run history can redact them wherever they appear."""
        secrets = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token,
                   self.dashboard_token, self.slack_client_secret, self.encryption_key,
                   self.encryption_key_previous, self.jobs_token)
        return [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]

    @property
    def oauth_mode(self) -> bool:
        """Marvin is installed into workspaces with Slack's OAuth flow (SLACK_CLIENT_ID and
        SLACK_CLIENT_SECRET are set) rather than serving one workspace with SLACK_BOT_TOKEN."""
        return bool(self.slack_client_id) and _is_set(self.slack_client_secret)

    @property
    def scopes(self) -> tuple[str, ...]:
        """SLACK_SCOPES as a tuple; () when unset (the app's own list then applies)."""
        return tuple(_split_ids(self.slack_scopes))

    def require_encryption_keys(self) -> tuple[str, str | None]:
        """MARVIN_ENCRYPTION_KEY and MARVIN_ENCRYPTION_KEY_PREVIOUS (None when unset), or a
        SettingsError that says how to make a key: OAuth mode keeps tokens and must not
        keep them in the clear."""
        if not _is_set(self.encryption_key):
            raise SettingsError(
                "MARVIN_ENCRYPTION_KEY must be set when SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET are (installed workspaces' tokens are stored "
                f"encrypted); {MAKE_KEY}")
        assert self.encryption_key is not None
        previous = self.encryption_key_previous
        return (self.encryption_key.get_secret_value(),
                previous.get_secret_value() if _is_set(previous) and previous else None)

    def require_jobs_auth(self) -> None:
        """With MARVIN_SCHEDULER=external, a SettingsError unless POST /jobs can tell its
        caller: a shared token (MARVIN_JOBS_TOKEN) or Google's ID tokens for an audience."""
        if self.scheduler == "external" and not (_is_set(self.jobs_token)
                                                 or self.jobs_audience):
            raise SettingsError(
                "MARVIN_SCHEDULER=external needs MARVIN_JOBS_TOKEN (a shared bearer token) "
                "or MARVIN_JOBS_AUDIENCE (the service URL, for Cloud Scheduler's OIDC "
                "tokens) so that POST /jobs/{flow} can tell who calls it "
                "(see docs/deploy-cloud-run.md)"
            )

    @property
    def socket_mode(self) -> bool:
        """Slack's requests come over a websocket Marvin opens: SLACK_APP_TOKEN is set."""
        return _is_set(self.slack_app_token)

    def require_signing_secret(self) -> str | None:
        """SLACK_SIGNING_SECRET, None in Socket Mode, or a SettingsError when it is missing
        over HTTP (OAuth mode has no bot token to require)."""
        if _is_set(self.slack_signing_secret):
            assert self.slack_signing_secret is not None
            return self.slack_signing_secret.get_secret_value()
        if self.socket_mode:
            return None
        raise SettingsError("SLACK_SIGNING_SECRET must be set to serve Slack's requests "
                            "(see README, 'Install into many workspaces (OAuth)')")

    def require_slack(self) -> tuple[str, str | None]:
        """The bot token and the signing secret, or a SettingsError naming what is missing.

        Only HTTP requests are signed, so Socket Mode needs no signing secret (None when
        unset); over HTTP it is what tells Slack's requests from anyone's."""
        required = [("SLACK_BOT_TOKEN", self.slack_bot_token)]
        if not self.socket_mode:
            required.append(("SLACK_SIGNING_SECRET", self.slack_signing_secret))
        missing = [name for name, value in required if not _is_set(value)]
        if missing:
            raise SettingsError(
                f"{' and '.join(missing)} must be set to serve Slack's requests "
                "(see README, 'Slack app setup'"
                + (")" if self.socket_mode else "; or set SLACK_APP_TOKEN for Socket Mode)")
            )
        assert self.slack_bot_token is not None
        secret = self.slack_signing_secret
        return (
            self.slack_bot_token.get_secret_value(),
            secret.get_secret_value() if secret is not None and _is_set(secret) else None,
        )


def _is_fernet_key(key: str) -> bool:
    """What `cryptography.fernet.Fernet` accepts: 32 bytes in url-safe base64."""
    try:
        return len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
    except (ValueError, UnicodeEncodeError):
        return False


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]


def _is_set(value: SecretStr | None) -> bool:
    """An empty value counts as unset, as a blank line in .env means."""
    return value is not None and bool(value.get_secret_value())


def _check_token(value: SecretStr, prefix: str) -> SecretStr:
    """The token if it has `prefix` and only token characters; a ValueError that says what
    kind of token it is instead, without showing it (its prefix is no secret)."""
    secret = value.get_secret_value()
    wanted = _TOKEN_KINDS[prefix]
    if not secret.startswith(prefix):
        kind = next((k for p, k in _TOKEN_KINDS.items() if secret.startswith(p)), None)
        got = f"; this looks like {kind}" if kind else ""
        raise ValueError(f"expected {wanted} starting with {prefix}{got}")
    if not _TOKEN_BODY.fullmatch(secret[len(prefix):]):
        raise ValueError(f"expected {wanted}: {prefix} then letters, digits and dashes "
                         "(no spaces or quotes)")
    return value


_ENV_NAMES = {
    name: (
        field.validation_alias.choices[0]
        if isinstance(field.validation_alias, AliasChoices)
        else name.upper()
    )
    for name, field in Settings.model_fields.items()
}


_FIELDS_BY_ENV_NAME = {env: field for field, env in _ENV_NAMES.items()}
_SECRETS = {"slack_bot_token", "slack_signing_secret", "slack_app_token", "dashboard_token",
            "slack_client_secret", "encryption_key", "encryption_key_previous", "jobs_token"}


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and `.env`; raise SettingsError on bad values."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            field = _FIELDS_BY_ENV_NAME.get(field.upper(), field)  # read by its alias
            name = _ENV_NAMES.get(field, field.upper())
            message = str(error["msg"]).removeprefix("Value error, ")
            shown = "hidden" if field in _SECRETS else repr(error.get("input"))
            if shown in message:  # the validator's message shows the value already
                lines.append(f"{name}: {message}")
            else:
                lines.append(f"{name}: {message} (got {shown})")
        raise SettingsError("invalid setting " + "; ".join(lines)) from None
    if settings.oauth_mode:
        settings.require_encryption_keys()
    return settings
