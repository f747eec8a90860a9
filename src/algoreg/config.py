"""Settings from environment variables prefixed ``ALGOREG_``; one place documents them all."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from algoreg.federation.addresses import IPNetwork, parse_networks


class Settings(BaseSettings):
    """Algoreg's configuration. Every field is read from ``ALGOREG_<FIELD NAME>``."""

    model_config = SettingsConfigDict(env_prefix="ALGOREG_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{Path('algoreg.sqlite3').resolve()}",
        description="SQLAlchemy database URL: a SQLite file by default, PostgreSQL in production.",
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

    harvest_allowed_networks: str = Field(
        default="",
        description=(
            "Harvesting: internal networks that harvest sources may reach all the same, as CIDRs separated "
            "by commas (such as 127.0.0.0/8,10.1.0.0/16). Empty by default: a source, or a redirect, "
            "that leads to a loopback, private, link-local or other internal address is refused."
        ),
    )

    @field_validator("harvest_allowed_networks")
    @classmethod
    def _harvest_networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @property
    def harvest_networks(self) -> tuple[IPNetwork, ...]:
        """The networks of ``harvest_allowed_networks``, parsed."""
        return parse_networks(self.harvest_allowed_networks)

    @property
    def oidc_enabled(self) -> bool:
        """Tell whether login through OpenID Connect is configured."""
        return bool(self.oidc_discovery_url and self.oidc_client_id)


@lru_cache
def get_settings() -> Settings:
    """Return the settings read once from the environment."""
    return Settings()
