"""The harvester's JSON API: sources with their health, run reports, and quarantined records.

Reads are public (what a central register harvests, and how well, is public information);
adding a source or switching one on or off needs an API token of an instance administrator.
"""

from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from algoreg.errors import FieldProblem, Forbidden, InvalidInput
from algoreg.federation import discovery_client, sources
from algoreg.federation.addresses import IPNetwork
from algoreg.federation.sources import (
    MAX_EVERY_MINUTES,
    QuarantineView,
    RunView,
    SourceIn,
    SourceKind,
    SourceView,
)
from algoreg.register.roles import Principal
from algoreg.web.api.params import MAX_INTEGER, PathNumber
from algoreg.web.deps import Actor, UoW

router = APIRouter(prefix="/api/v1/harvest", tags=["harvest"])


class SourceOut(BaseModel):
    """A harvest source: what it is, how far the harvest got, and its health."""

    id: int
    url: str
    kind: SourceKind
    organisation_code: str | None = Field(
        description="For file sources; register sources name it per record."
    )
    organisation_name: str | None
    token_env: str | None = Field(
        description="For delivery-API sources: the environment variable holding the token (never the token)."
    )
    all_categories: bool = Field(description="False: only high-risk AI systems and impactful algorithms.")
    enabled: bool
    every_minutes: int | None = Field(
        description="Harvested at most once per this many minutes; null: every run."
    )
    next_due_at: datetime | None = Field(
        description="When a scheduled source is next harvested; null: next run."
    )
    cursor: int = Field(description="The last feed seq applied (register sources).")
    records: int = Field(description="Records harvested from this source (public or withdrawn).")
    quarantined: int = Field(description="Records held back because they are not valid.")
    consecutive_failures: int
    unhealthy: bool = Field(description="True after several failed runs in a row; the source is kept.")
    last_error: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    leased_until: datetime | None = Field(description="While a worker is harvesting it.")

    @classmethod
    def of(cls, view: SourceView) -> "SourceOut":
        """Build the response body of a source."""
        data = asdict(view)
        data.pop("lease_owner")
        data["leased_until"] = data.pop("lease_until")
        return cls(**data)


class RunOut(BaseModel):
    """The report of one harvest run of one source."""

    id: int
    source_id: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str = Field(
        description="running, ok, not_modified (304), failed, stopped, lost_lease, or interrupted "
        "(its worker stopped before finishing; see notes)."
    )
    new: int
    updated: int
    withdrawn: int
    unchanged: int
    invalid: int = Field(description="Records quarantined in this run.")
    skipped: int = Field(description="Records outside the source's categories, or superseded in the feed.")
    pages: int
    cursor_before: int | None
    cursor_after: int | None
    errors: list[str]
    notes: list[str]
    duration_ms: int | None

    @classmethod
    def of(cls, view: RunView) -> "RunOut":
        """Build the response body of a run report."""
        data: dict[str, Any] = asdict(view)
        data.pop("worker")
        return cls(**data)


class QuarantineOut(BaseModel):
    """A harvested record held back, with every reason."""

    remote_id: str
    fetched_at: datetime
    problems: list[dict[str, Any]]

    @classmethod
    def of(cls, view: QuarantineView) -> "QuarantineOut":
        """Build the response body of a quarantined record."""
        return cls(remote_id=view.remote_id, fetched_at=view.fetched_at, problems=view.problems)


def _discovered(data: SourceIn, actor: Principal, allowed: Collection[IPNetwork]) -> SourceIn:
    """The source with the base address of the register's change feed, found from its address."""
    if not actor.is_superuser:  # before any request goes out on the caller's behalf
        raise Forbidden("Only an administrator of this Algoreg instance may add harvest sources.")
    resolved = discovery_client.resolve_register(data.url, discovery_client.discovery_settings(allowed))
    return SourceIn.model_validate({**data.model_dump(), "url": resolved.base_url})


def _source_out(uow: UoW, source_id: int) -> SourceOut:
    with uow() as session:
        sources.get_source(session, source_id)
        return SourceOut.of(next(s for s in sources.list_sources(session) if s.id == source_id))


@router.get("/sources")
def list_sources(uow: UoW) -> list[SourceOut]:
    """Every source this register harvests, with its progress and health."""
    with uow() as session:
        return [SourceOut.of(s) for s in sources.list_sources(session)]


@router.post("/sources", status_code=status.HTTP_201_CREATED)
def add_source(
    data: SourceIn,
    request: Request,
    uow: UoW,
    actor: Actor,
    discover: Annotated[
        bool,
        Query(
            description="For a register (kind algoreg): find its change feed through its discovery document "
            "first, and store the address the feed is read from; 422 naming 'url' when none is found. "
            "false: store the address as given, unchecked."
        ),
    ] = True,
) -> SourceOut:
    """Add a source to harvest; needs an instance administrator's token.

    A register (kind ``algoreg``) may be given by its root address, its discovery document
    (``/.well-known/algorithm-register`` or ``/api/v1/register``) or its change feed
    (``/api/v1/feed``); the source stores the register's base address.

    An address that is or resolves to an internal one (loopback, private, link-local …) gets 422
    unless the instance allows its network in ``ALGOREG_HARVEST_ALLOWED_NETWORKS``.
    """
    allowed = request.app.state.settings.harvest_networks
    if discover and data.kind is SourceKind.ALGOREG:
        data = _discovered(data, actor, allowed)
    with uow() as session:
        source_id = sources.add_source(session, actor, data, allowed).id
    return _source_out(uow, source_id)


@router.get("/sources/{source_id}")
def get_source(source_id: PathNumber, uow: UoW) -> SourceOut:
    """One source, with its progress and health."""
    return _source_out(uow, source_id)


class SourceChange(BaseModel):
    """What may be changed of a source: whether it is harvested, and how often."""

    model_config = ConfigDict(extra="forbid")

    enabled: StrictBool | None = Field(
        default=None, description="true: harvest this source; false: leave it out of every run."
    )
    every_minutes: int | None = Field(
        default=None,
        ge=1,
        le=MAX_EVERY_MINUTES,
        description="Harvest at most once per this many minutes; null: in every run.",
    )


@router.patch("/sources/{source_id}")
def change_source(source_id: PathNumber, data: SourceChange, uow: UoW, actor: Actor) -> SourceOut:
    """Switch harvesting of a source on or off, or set its schedule; needs an instance administrator.

    Only the fields given are changed. What was harvested from a source stays when it is switched off.
    """
    given = data.model_fields_set
    if not given:
        raise InvalidInput(
            problems=[FieldProblem(field="body", reason="give 'enabled', 'every_minutes' or both")],
            summary="Nothing to change; nothing was changed.",
        )
    with uow() as session:
        if "enabled" in given:
            if data.enabled is None:
                raise InvalidInput(
                    problems=[FieldProblem(field="enabled", reason="must be true or false, not null")],
                    summary="The change is not valid; nothing was changed.",
                )
            sources.set_enabled(session, actor, source_id, data.enabled)
        if "every_minutes" in given:
            sources.set_schedule(session, actor, source_id, data.every_minutes)
    return _source_out(uow, source_id)


@router.get("/sources/{source_id}/quarantine")
def quarantine(source_id: PathNumber, uow: UoW) -> list[QuarantineOut]:
    """The records of a source that are held back because they are not valid, with the reasons."""
    with uow() as session:
        return [QuarantineOut.of(q) for q in sources.list_quarantine(session, source_id)]


@router.get("/runs")
def list_runs(
    uow: UoW,
    source: Annotated[
        int | None, Query(ge=1, le=MAX_INTEGER, description="Only the runs of this source.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[RunOut]:
    """The newest run reports first."""
    with uow() as session:
        return [RunOut.of(r) for r in sources.list_runs(session, source, limit)]
