"""Settings from environment variables prefixed ``ALGOREG_``; one place documents them all."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from algoreg.federation.addresses import IPNetwork, parse_networks


class Settings(BaseSettings):
    """Algoreg's configuration. Every field is read from ``ALGOREG_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ALGOREG_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{Path('algoreg.sqlite3').resolve()}",
        description="SQLAlchemy database URL: a SQLite file by default, PostgreSQL in production.",
        json_schema_extra={"documented_default": "sqlite:///<working directory>/algoreg.sqlite3"},
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        description="Largest request body accepted, in bytes; larger requests get 413.",
    )
    max_upload_bytes: int = Field(
        default=20 * 1024 * 1024,
        description="Largest import file accepted through the API, in bytes.",
    )
    bias_max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest decision-data file (CSV, Parquet, XLSX) accepted by the bias analysis in the API "
            "and the web tool, in bytes. The file is deleted once analysed; only the aggregated "
            "analysis is kept, and only when it is attached to an algorithm."
        ),
    )
    bias_max_unpacked_bytes: int = Field(
        default=2 * 1024 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest size, in bytes, that an uploaded XLSX or Parquet file may unpack to according to "
            "its own metadata; larger ones are refused before any row is read."
        ),
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "E-mail: the SMTP server that sends campaign reminders. Unset, reminders are only recorded "
            "(and shown to the organisations in the application)."
        ),
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="E-mail: the SMTP server's port.")
    smtp_username: str | None = Field(
        default=None, description="E-mail: the SMTP login, if the server wants one."
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="E-mail: the SMTP password (never logged)."
    )
    smtp_sender: str = Field(
        default="algoreg@localhost", description="E-mail: the sender address of messages Algoreg sends."
    )
    smtp_starttls: bool = Field(default=True, description="E-mail: whether to switch to TLS with STARTTLS.")
    campaign_reminder_days: str = Field(
        default="14,3",
        description=(
            "Campaigns: how many days before a deadline an asked organisation that has not finished is "
            "reminded, as whole numbers separated by commas; each occasion once."
        ),
    )

    secret_key: str | None = Field(
        default=None,
        description="Key that signs CSRF tokens; by default a random key kept in the database.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Address under which the public site is reachable; used in links such as preview URLs.",
    )
    harvest_keep_runs: int = Field(
        default=200,
        ge=1,
        description=(
            "Harvest run reports kept per source; older finished ones are deleted after each "
            "scheduled harvest and after 'algoreg harvest run'."
        ),
    )

    oidc_discovery_url: str | None = Field(
        default=None,
        description=(
            "OpenID Connect: address of the provider's discovery document "
            "(…/.well-known/openid-configuration). Login with an organisation account is offered "
            "only when this and the client id are set."
        ),
    )
    oidc_client_id: str | None = Field(default=None, description="OpenID Connect: this register's client id.")
    oidc_client_secret: SecretStr | None = Field(
        default=None,
        description="OpenID Connect: the client secret (empty for a public client, which relies on PKCE).",
    )
    oidc_username_claim: str = Field(
        default="preferred_username",
        description=(
            "OpenID Connect: the ID token claim holding the local username; when a token lacks it, "
            "the 'email' claim is used. Only existing, active accounts can log in this way."
        ),
    )
    oidc_scopes: str = Field(
        default="openid profile email", description="OpenID Connect: the scopes asked for at login."
    )

    login_max_attempts: int = Field(
        default=5,
        ge=1,
        le=1000,
        description=(
            "Login rate limiting: failed logins allowed per username, and separately per client address, "
            "within the window; further attempts are refused with 429 (without checking the password) "
            "until the oldest counted failure leaves the window."
        ),
    )
    login_window_seconds: int = Field(
        default=900,
        ge=1,
        le=7 * 86400,
        description=(
            "Login rate limiting: the window, in seconds, over which failed logins are counted; "
            "older attempts are forgotten and pruned."
        ),
    )

    harvest_allowed_networks: str = Field(
        default="",
        description=(
            "Harvesting: internal networks that harvest sources may reach all the same, as CIDRs separated "
            "by commas (such as 127.0.0.0/8,10.1.0.0/16). Empty by default: a source, or a redirect, "
            "that leads to a loopback, private, link-local or other internal address is refused."
        ),
    )

    harvest_every: float = Field(
        default=0,
        ge=0,
        description=(
            "Seconds between harvests of all enabled sources while 'algoreg serve' runs (0: never); "
            "the same as 'algoreg serve --harvest-every', which takes precedence."
        ),
    )

    log_format: Literal["text", "json"] = Field(
        default="text",
        description=(
            "Logs on standard error: 'text' for people, 'json' for one JSON object per line (time, level, "
            "logger, message; for requests also request_id, method, path, status, duration_ms). Secrets, "
            "query strings, cookies and the Authorization header are never logged."
        ),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO",
        description="The least severe level of log records written (in any case).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "When set, /metrics answers only requests with 'Authorization: Bearer <this token>'; "
            "unset, the Prometheus metrics are open to anyone who can reach the server."
        ),
    )
    catalogue_file: Path | None = Field(
        default=None,
        description=(
            "The Algoritmekader's instruments in the catalogue at /hulpmiddelen and /api/v1/catalogue: a "
            "YAML file in the shape of the Algoritmekader's hulpmiddelen.yaml. The organisations' own "
            "instruments follow them. Unset, only those are shown (or, without any, the page says that no "
            "catalogue is configured)."
        ),
    )

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @field_validator("harvest_allowed_networks")
    @classmethod
    def _harvest_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def harvest_networks(self) -> tuple[IPNetwork, ...]:
        """The networks of ``harvest_allowed_networks``, parsed."""
        return parse_networks(self.harvest_allowed_networks)

    @field_validator("campaign_reminder_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        parse_reminder_days(value)
        return value

    @property
    def reminder_days(self) -> tuple[int, ...]:
        """The days of ``campaign_reminder_days``, parsed, largest first."""
        return parse_reminder_days(self.campaign_reminder_days)

    @property
    def oidc_enabled(self) -> bool:
        """Tell whether login through OpenID Connect is configured."""
        return bool(self.oidc_discovery_url and self.oidc_client_id)


def parse_reminder_days(text: str) -> tuple[int, ...]:
    """Whole numbers of days (0–365) separated by commas, largest first; a ValueError says what is wrong."""
    days = []
    for part in text.split(","):
        if part.strip():
            if not part.strip().isdigit() or int(part) > 365:
                raise ValueError(f"'{part.strip()}' is not a whole number of days from 0 to 365")
            days.append(int(part))
    return tuple(sorted(set(days), reverse=True))


@lru_cache
def get_settings() -> Settings:
    """Return the settings read once from the environment."""
    return Settings()
