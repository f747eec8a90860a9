"""The JSON API of the catalogue of instruments: the public combined catalogue, and an organisation's
own instruments.

``GET /api/v1/catalogue`` is public: the Algoritmekader's instruments (the file ``ALGOREG_CATALOGUE_FILE``
names) followed by every organisation's current own instruments, with search and filters, each
naming its origin and the requirements and measures it serves. The organisation's own list
(retired ones too) needs an API token of the organisation (viewer); publishers and admins add,
change and retire (``DELETE`` retires: the instrument is kept, leaves the catalogue, keeps its slug).
"""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from algoreg.errors import FieldProblem, InvalidInput
from algoreg.instruments.framework import own_instruments
from algoreg.instruments.framework.catalogue import Instrument, InstrumentLinks, Origin, search_instruments
from algoreg.instruments.framework.definitions import NotImported, current_framework
from algoreg.instruments.framework.model import Framework
from algoreg.instruments.framework.own_instruments import (
    OwnInstrumentChange,
    OwnInstrumentIn,
    OwnInstrumentView,
)
from algoreg.web.deps import Actor, UoW
from algoreg.web.pages.public_catalogue import combined_catalogue, shown_links

router = APIRouter(prefix="/api/v1", tags=["catalogue of instruments"])


class OwnInstrumentBody(BaseModel):
    """A new own instrument. Phases and roles are ids of the imported Algoritmekader (free when none is
    imported); references name its requirements and measures by id, URN or code and must resolve."""

    model_config = ConfigDict(extra="forbid")

    slug: str = Field(
        default="",
        max_length=200,
        description="1–64 lower-case letters, digits and hyphens, unique in the organisation; "
        "made from the title when empty.",
    )
    title: str = Field(max_length=1000)
    description: str = Field(default="", max_length=50_000)
    categories: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    phases: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    topics: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    roles: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    requirement_refs: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    measure_refs: list[str] = Field(default_factory=list, max_length=own_instruments.MAX_VALUES)
    url: str | None = Field(default=None, max_length=4000, description="An http:// or https:// address.")


class OwnInstrumentPatch(BaseModel):
    """Changes to an own instrument; fields left out stay, ``url`` null clears it. The slug never changes."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=50_000)
    categories: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    phases: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    topics: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    roles: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    requirement_refs: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    measure_refs: list[str] | None = Field(default=None, max_length=own_instruments.MAX_VALUES)
    url: str | None = Field(default=None, max_length=4000)


class OwnInstrumentOut(BaseModel):
    """An own instrument of an organisation; ``retired_at`` set when it has left the catalogue."""

    organisation: str
    slug: str
    key: str = Field(description="Its key in the combined catalogue: '<organisation code>:<slug>'.")
    title: str
    description: str
    categories: list[str]
    phases: list[str]
    topics: list[str]
    roles: list[str]
    requirement_refs: list[str] = Field(description="Ids of the Algoritmekader's requirements.")
    measure_refs: list[str] = Field(description="Ids of the Algoritmekader's measures.")
    url: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    retired_at: datetime | None
    retired_by: str | None

    @classmethod
    def of(cls, view: OwnInstrumentView) -> "OwnInstrumentOut":
        """Build the body of an own instrument."""
        shared = {name: getattr(view, name) for name in cls.model_fields if name != "organisation"}
        return cls(organisation=view.organisation_code, **shared)


@router.get("/organisations/{code}/instruments", response_model=list[OwnInstrumentOut])
def list_own(
    code: str,
    uow: UoW,
    actor: Actor,
    include_retired: Annotated[bool, Query(description="Also the retired instruments.")] = True,
) -> Any:
    """The organisation's own instruments by title (viewer)."""
    with uow() as session:
        views = own_instruments.list_own_instruments(session, actor, code, include_retired=include_retired)
    return [OwnInstrumentOut.of(view) for view in views]


@router.post("/organisations/{code}/instruments", status_code=201, response_model=OwnInstrumentOut)
def add_own(code: str, body: OwnInstrumentBody, uow: UoW, actor: Actor) -> Any:
    """Add an own instrument to the organisation; it is in the public catalogue at once (publisher)."""
    given = OwnInstrumentIn(
        title=body.title,
        description=body.description,
        slug=body.slug,
        categories=tuple(body.categories),
        phases=tuple(body.phases),
        topics=tuple(body.topics),
        roles=tuple(body.roles),
        requirement_refs=tuple(body.requirement_refs),
        measure_refs=tuple(body.measure_refs),
        url=body.url,
    )
    with uow() as session:
        return OwnInstrumentOut.of(own_instruments.add_own_instrument(session, actor, code, given))


@router.get("/organisations/{code}/instruments/{slug}", response_model=OwnInstrumentOut)
def get_own(code: str, slug: str, uow: UoW, actor: Actor) -> Any:
    """One own instrument of the organisation, retired or not (viewer)."""
    with uow() as session:
        return OwnInstrumentOut.of(own_instruments.get_own_instrument(session, actor, code, slug))


@router.patch("/organisations/{code}/instruments/{slug}", response_model=OwnInstrumentOut)
def change_own(code: str, slug: str, body: OwnInstrumentPatch, uow: UoW, actor: Actor) -> Any:
    """Change an own instrument (publisher); 409 for a retired one."""
    given: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if value is None and name != "url":
            raise InvalidInput(
                problems=[FieldProblem(name, "may not be null; leave it out to keep it as it is")],
                summary="The own instrument was not changed.",
            )
        given[name] = tuple(value) if isinstance(value, list) else value
    with uow() as session:
        view = own_instruments.change_own_instrument(session, actor, code, slug, OwnInstrumentChange(**given))
    return OwnInstrumentOut.of(view)


@router.delete("/organisations/{code}/instruments/{slug}", response_model=OwnInstrumentOut)
def retire_own(code: str, slug: str, uow: UoW, actor: Actor) -> Any:
    """Retire an own instrument: it leaves the public catalogue, and is kept with its slug (publisher)."""
    with uow() as session:
        return OwnInstrumentOut.of(own_instruments.retire_own_instrument(session, actor, code, slug))


# --- the public catalogue -------------------------------------------------------------------------


class OrganisationRef(BaseModel):
    """The organisation an instrument is the own of."""

    code: str
    name: str


class CatalogueItemOut(BaseModel):
    """An instrument of the catalogue, where it comes from, and what it serves."""

    key: str = Field(description="Unique in the catalogue: the id, or '<organisation code>:<id>'.")
    id: str
    title: str
    description: str
    origin: Origin
    organisation: OrganisationRef | None = Field(
        description="Whose own instrument it is (null: Algoritmekader)."
    )
    categories: list[str]
    phases: list[str]
    topics: list[str]
    roles: list[str]
    requirement_refs: list[str] = Field(description="The requirements it names, as written.")
    measure_refs: list[str] = Field(description="The measures it names, as written.")
    requirement_ids: list[str] = Field(
        description="The requirements it serves, resolved in the imported Algoritmekader (empty without one)."
    )
    measure_ids: list[str] = Field(description="The measures it serves, resolved likewise.")
    url: str | None

    @classmethod
    def of(cls, instrument: Instrument, links: InstrumentLinks | None) -> "CatalogueItemOut":
        """Build the body of a catalogue entry."""
        organisation = None
        if instrument.organisation_code is not None:
            organisation = OrganisationRef(
                code=instrument.organisation_code, name=instrument.organisation_name or ""
            )
        return cls(
            key=instrument.key,
            id=instrument.id,
            title=instrument.title,
            description=instrument.description,
            origin=instrument.origin,
            organisation=organisation,
            categories=list(instrument.categories),
            phases=list(instrument.phases),
            topics=list(instrument.topics),
            roles=list(instrument.roles),
            requirement_refs=list(instrument.requirement_refs),
            measure_refs=list(instrument.measure_refs),
            requirement_ids=list(links.requirement_ids) if links else [],
            measure_ids=list(links.measure_ids) if links else [],
            url=instrument.url,
        )


class CatalogueOut(BaseModel):
    """The instruments that match, and how many the catalogue holds in all."""

    algoritmekader: str = Field(
        description="The Algoritmekader's file: 'configured', 'not_configured' or 'unreadable' "
        "(then only the organisations' own instruments are listed)."
    )
    total: int
    found: int
    items: list[CatalogueItemOut]


@router.get("/catalogue", response_model=CatalogueOut)
def catalogue(
    request: Request,
    uow: UoW,
    q: Annotated[
        str, Query(max_length=200, description="Words that must all occur in title or description.")
    ] = "",
    phase: Annotated[list[str] | None, Query(description="Phase ids; any of them.")] = None,
    topic: Annotated[list[str] | None, Query(description="Topics; any of them.")] = None,
    role: Annotated[list[str] | None, Query(description="Role ids; any of them.")] = None,
    category: Annotated[list[str] | None, Query(description="Categories; any of them.")] = None,
    origin: Annotated[
        list[str] | None, Query(description="'algoritmekader' or an organisation's code; any of them.")
    ] = None,
) -> Any:
    """The public catalogue: the Algoritmekader's instruments, then every organisation's current own ones."""
    with uow() as session:
        combined = combined_catalogue(request.app.state.settings.catalogue_file, session)
        try:
            framework: Framework | None = current_framework(session).framework
        except NotImported:
            framework = None
    found = search_instruments(
        combined.instruments,
        q,
        phase=phase or None,
        topic=topic or None,
        role=role or None,
        category=category or None,
        origin=origin or None,
    )
    links = shown_links(framework, found)
    return CatalogueOut(
        algoritmekader=combined.file_state,
        total=len(combined.instruments),
        found=len(found),
        items=[CatalogueItemOut.of(item, link) for item, link in zip(found, links, strict=True)],
    )
