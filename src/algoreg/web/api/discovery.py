"""The discovery document: what this register is, for whom it publishes, and where to harvest it.

Served at ``GET /api/v1/register``; ``GET /.well-known/algorithm-register`` redirects there. The
register's name, contact and data licence come from ``ALGOREG_REGISTER_NAME``,
``ALGOREG_REGISTER_CONTACT`` and ``ALGOREG_REGISTER_LICENCE`` (all optional).
"""

from functools import lru_cache

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from algoreg import __version__
from algoreg.federation.principles import PROTOCOL_VERSION, REQUIRED_STANDARD_VERSION
from algoreg.register import organisations, publication_log
from algoreg.web.deps import UoW

router = APIRouter(tags=["federation"])


class RegisterSettings(BaseSettings):
    """Optional settings that describe the register in its discovery document."""

    model_config = SettingsConfigDict(env_prefix="ALGOREG_REGISTER_", extra="ignore")

    name: str = Field(default="Algoreg", description="The register's name, shown to harvesters.")
    contact: str | None = Field(default=None, description="Where to reach the register's operator.")
    licence: str = Field(default="CC0-1.0", description="SPDX id or URL of the licence of the data.")


@lru_cache
def register_settings() -> RegisterSettings:
    """Return the register's description settings, read once from the environment."""
    return RegisterSettings()


class PublisherOut(BaseModel):
    """An organisation whose algorithms this register publishes."""

    code: str = Field(description="Stable code of the organisation, such as gm0363.")
    name: str
    kind: str = Field(description="ministerie, provincie, gemeente, waterschap, zbo or other.")


class EndpointsOut(BaseModel):
    """Where the parts of the protocol are served; paths relative to this document's URL."""

    snapshot: str = Field(description="Published records, paged with offset and limit.")
    record: str = Field(description="One published record; '{id}' is replaced by the algorithm's id.")
    feed: str = Field(description="The change feed, paged with after and limit.")
    export_jsonl: str = Field(description="All published records as JSON lines.")
    export_csv: str = Field(description="All published records as CSV.")
    openapi: str = Field(description="The OpenAPI description of every operation.")


class FeedStateOut(BaseModel):
    """Where the change feed is now."""

    head_seq: int = Field(description="The newest seq in the feed; 0 when it is empty.")


class DiscoveryOut(BaseModel):
    """The discovery document of a register that speaks the harvest protocol."""

    name: str
    software: str = Field(description="Software and version serving the register.")
    standard_version: str = Field(description="Version of the publication standard of the records.")
    protocol_version: str = Field(description="Version of the harvest protocol.")
    organisations: list[PublisherOut]
    endpoints: EndpointsOut
    feed: FeedStateOut
    licence: str = Field(description="Licence of the published data (SPDX id or URL).")
    contact: str | None


ENDPOINTS = EndpointsOut(
    snapshot="/api/v1/algorithms",
    record="/api/v1/algorithms/{id}",
    feed="/api/v1/feed",
    export_jsonl="/api/v1/export?format=jsonl",
    export_csv="/api/v1/export?format=csv",
    openapi="/api/v1/openapi.json",
)


@router.get("/api/v1/register", response_model=DiscoveryOut)
def discovery_document(uow: UoW) -> DiscoveryOut:
    """Describe this register for harvesters: organisations, versions, endpoints and feed head."""
    settings = register_settings()
    with uow() as session:
        publishers = [
            PublisherOut(code=o.code, name=o.name, kind=o.kind)
            for o in organisations.list_organisations(session)
        ]
        head = publication_log.last_seq(session)
    return DiscoveryOut(
        name=settings.name,
        software=f"algoreg {__version__}",
        standard_version=REQUIRED_STANDARD_VERSION,
        protocol_version=PROTOCOL_VERSION,
        organisations=publishers,
        endpoints=ENDPOINTS,
        feed=FeedStateOut(head_seq=head),
        licence=settings.licence,
        contact=settings.contact,
    )


@router.get("/.well-known/algorithm-register", include_in_schema=False)
def well_known() -> RedirectResponse:
    """Send the well-known address to the discovery document."""
    return RedirectResponse("/api/v1/register", status_code=308)
