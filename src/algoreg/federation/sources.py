"""Harvest sources: the registers and files this instance harvests, their filter and health.

A source is one of three kinds:

``algoreg``
    A register that speaks the harvest protocol (any Algoreg instance): read incrementally from
    its change feed ``/api/v1/feed``. Each record carries its own organisation (the feed entry's
    organisation code, the record's ``organization`` name).
``file``
    A static JSON, JSON Lines, CSV or XLSX file of records at a URL, published for one
    organisation that the source names. Fetched with conditional requests and reconciled whole.
``delivery``
    A register that offers only the shape of the official delivery API 1.0 ("aanlever-API"): the
    list of one organisation's algorithms and each published version, read with a bearer token
    taken from an environment variable that the source names (the token itself is never stored).
    Only records whose last update time changed are fetched again; reconciled whole.

By default only the publication categories that must be published centrally are harvested
(:data:`DEFAULT_CATEGORIES`); a source may take all categories. A source that fails
:data:`UNHEALTHY_AFTER` runs in a row is marked unhealthy; it is never deleted.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from algoreg.db.models import HarvestItem, HarvestQuarantine, HarvestRun, HarvestSource
from algoreg.errors import Conflict, FieldProblem, Forbidden, InvalidInput, NotFound
from algoreg.federation.addresses import IPNetwork, check_source_url
from algoreg.federation.source_kinds import SourceKind as SourceKind  # re-exported
from algoreg.register.audit import record_event
from algoreg.register.organisations import OrganisationIn, OrganisationKind
from algoreg.register.roles import Principal
from algoreg.standard.enums import PublicationCategory

#: The publication categories harvested unless a source takes all.
DEFAULT_CATEGORIES: frozenset[str] = frozenset(
    {PublicationCategory.HIGH_RISK_AI.value, PublicationCategory.IMPACTFUL.value}
)

#: The longest schedule a source may have: a year, in minutes.
MAX_EVERY_MINUTES = 525_600

#: Failed runs in a row after which a source is marked unhealthy.
UNHEALTHY_AFTER = 5


#: Source kinds that publish for one organisation, named by the source.
ONE_ORGANISATION_KINDS = frozenset({SourceKind.FILE, SourceKind.DELIVERY})


class SourceIn(BaseModel):
    """What may be given to add a source."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: Annotated[str, Field(max_length=2000, description="http(s) address of the register or file.")]
    kind: SourceKind
    organisation_code: str | None = Field(
        default=None, description="For a file source: the code of the organisation it publishes for."
    )
    organisation_name: str | None = Field(default=None, max_length=200)
    organisation_kind: OrganisationKind | None = None
    token_env: str | None = Field(
        default=None,
        pattern=r"^[A-Z_][A-Z0-9_]{0,99}$",
        description="For a delivery-API source: the environment variable that holds its bearer token.",
    )
    all_categories: bool = Field(
        default=False,
        description="Harvest every publication category, not only high-risk AI and impactful algorithms.",
    )
    enabled: bool = True
    every_minutes: int | None = Field(
        default=None,
        ge=1,
        le=MAX_EVERY_MINUTES,
        description="Harvest at most once per this many minutes; left out: in every run.",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address, such as https://register.example.nl")
        return value

    @model_validator(mode="after")
    def _organisation(self) -> Self:
        if self.token_env and self.kind is not SourceKind.DELIVERY:
            raise ValueError("only a delivery-API source takes a token; leave token_env out")
        if self.kind in ONE_ORGANISATION_KINDS:
            if not self.organisation_code:
                raise ValueError(
                    f"a {self.kind.value} source needs the organisation it publishes for: "
                    "give its code (such as gm0363)"
                )
            code = OrganisationIn(
                code=self.organisation_code,
                name=self.organisation_name or "-",
                kind=self.organisation_kind or OrganisationKind.OTHER,
            ).code
            self.organisation_code = code
        elif self.organisation_code or self.organisation_name or self.organisation_kind:
            raise ValueError(
                "an algoreg source takes the organisation of each record from the register itself; "
                "leave the organisation options out"
            )
        return self


@dataclass(frozen=True)
class SourceView:
    """A source as listed: what it is, how far it got, and its health."""

    id: int
    url: str
    kind: SourceKind
    organisation_code: str | None
    organisation_name: str | None
    token_env: str | None
    all_categories: bool
    enabled: bool
    every_minutes: int | None
    next_due_at: datetime | None
    cursor: int
    consecutive_failures: int
    unhealthy: bool
    last_error: str | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    records: int
    quarantined: int


@dataclass(frozen=True)
class RunView:
    """The report of one harvest run of one source."""

    id: int
    source_id: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    new: int
    updated: int
    withdrawn: int
    unchanged: int
    invalid: int
    skipped: int
    pages: int
    cursor_before: int | None
    cursor_after: int | None
    errors: list[str]
    notes: list[str]
    duration_ms: int | None


@dataclass(frozen=True)
class QuarantineView:
    """A record held back, with every reason."""

    source_id: int
    remote_id: str
    fetched_at: datetime
    problems: list[dict[str, Any]]


def passes_filter(record: Any, all_categories: bool) -> bool:
    """Tell whether a harvested record is of a category the source harvests.

    A record without a readable category passes, so that validation reports what is wrong with it.
    """
    if all_categories or not isinstance(record, dict):
        return True
    category = record.get("publication_category")
    return not isinstance(category, str) or category.strip() in DEFAULT_CATEGORIES


def add_source(
    session: Session, principal: Principal, data: SourceIn, allowed_networks: Collection[IPNetwork] = ()
) -> HarvestSource:
    """Add a source; only an instance administrator may, and one URL is added once per kind.

    A URL whose host is or resolves to an internal address outside ``allowed_networks`` is refused
    (:func:`~algoreg.federation.addresses.check_source_url`); every harvest checks again on connecting.
    """
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may add harvest sources.")
    check_source_url(data.url, allowed_networks)
    existing = session.scalar(
        select(HarvestSource.id).where(HarvestSource.url == data.url, HarvestSource.kind == data.kind.value)
    )
    if existing is not None:
        raise Conflict(f"Source {existing} already harvests {data.url} as {data.kind.value}.")
    source = HarvestSource(
        url=data.url,
        kind=data.kind.value,
        organisation_code=data.organisation_code,
        organisation_name=data.organisation_name,
        organisation_kind=data.organisation_kind.value if data.organisation_kind else None,
        token_env=data.token_env,
        all_categories=data.all_categories,
        enabled=data.enabled,
        every_minutes=data.every_minutes,
        cursor=0,
        consecutive_failures=0,
        unhealthy=False,
    )
    session.add(source)
    session.flush()
    record_event(
        session,
        principal,
        "harvest.source.add",
        summary=f"Added harvest source {source.id}: {data.url} ({data.kind.value})",
        detail=data.model_dump(mode="json"),
    )
    return source


def set_enabled(session: Session, principal: Principal, source_id: int, enabled: bool) -> HarvestSource:
    """Switch harvesting of a source on or off; only an instance administrator may."""
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may change harvest sources.")
    source = get_source(session, source_id)
    source.enabled = enabled
    record_event(
        session,
        principal,
        "harvest.source.enable" if enabled else "harvest.source.disable",
        summary=f"{'Enabled' if enabled else 'Disabled'} harvest source {source_id}",
    )
    return source


def set_schedule(
    session: Session, principal: Principal, source_id: int, every_minutes: int | None
) -> HarvestSource:
    """Harvest a source at most once per ``every_minutes`` (``None``: in every run); admins only.

    The source is due at once after a change, so the new schedule counts from its next run.
    """
    if not principal.is_superuser:
        raise Forbidden("Only an administrator of this Algoreg instance may change harvest sources.")
    if every_minutes is not None and not 1 <= every_minutes <= MAX_EVERY_MINUTES:
        raise InvalidInput(
            problems=[
                FieldProblem(
                    field="every_minutes",
                    reason=f"must be a whole number of minutes from 1 to {MAX_EVERY_MINUTES}, "
                    f"or left out for every run; got {every_minutes}",
                )
            ],
            summary="The schedule is not valid; nothing was changed.",
        )
    source = get_source(session, source_id)
    source.every_minutes = every_minutes
    source.next_due_at = None
    record_event(
        session,
        principal,
        "harvest.source.schedule",
        summary=f"Harvest source {source_id}: "
        + (f"at most every {every_minutes} minutes" if every_minutes else "in every run"),
    )
    return source


def get_source(session: Session, source_id: int) -> HarvestSource:
    """Return the source with ``source_id`` or raise :class:`NotFound`."""
    source = session.get(HarvestSource, source_id)
    if source is None:
        raise NotFound(f"There is no harvest source with id {source_id}.")
    return source


def _counts(session: Session, column: Any) -> dict[int, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {int(row[0]): int(row[1]) for row in rows}


def list_sources(session: Session) -> list[SourceView]:
    """Return every source, oldest first, with its number of records and quarantined records."""
    records = _counts(session, HarvestItem.source_id)
    held = _counts(session, HarvestQuarantine.source_id)
    return [
        SourceView(
            id=s.id,
            url=s.url,
            kind=SourceKind(s.kind),
            organisation_code=s.organisation_code,
            organisation_name=s.organisation_name,
            token_env=s.token_env,
            all_categories=s.all_categories,
            enabled=s.enabled,
            every_minutes=s.every_minutes,
            next_due_at=s.next_due_at,
            cursor=s.cursor,
            consecutive_failures=s.consecutive_failures,
            unhealthy=s.unhealthy,
            last_error=s.last_error,
            last_attempt_at=s.last_attempt_at,
            last_success_at=s.last_success_at,
            lease_owner=s.lease_owner,
            lease_until=s.lease_until,
            records=records.get(s.id, 0),
            quarantined=held.get(s.id, 0),
        )
        for s in session.scalars(select(HarvestSource).order_by(HarvestSource.id))
    ]


def _run_view(run: HarvestRun) -> RunView:
    return RunView(
        id=run.id,
        source_id=run.source_id,
        worker=run.worker,
        started_at=run.started_at,
        finished_at=run.finished_at,
        outcome=run.outcome,
        new=run.new,
        updated=run.updated,
        withdrawn=run.withdrawn,
        unchanged=run.unchanged,
        invalid=run.invalid,
        skipped=run.skipped,
        pages=run.pages,
        cursor_before=run.cursor_before,
        cursor_after=run.cursor_after,
        errors=list(run.errors or []),
        notes=list(run.notes or []),
        duration_ms=run.duration_ms,
    )


def list_runs(session: Session, source_id: int | None = None, limit: int = 50) -> list[RunView]:
    """Return the newest run reports first, of one source when ``source_id`` is given."""
    query = select(HarvestRun).order_by(HarvestRun.started_at.desc(), HarvestRun.id.desc()).limit(limit)
    if source_id is not None:
        get_source(session, source_id)
        query = query.where(HarvestRun.source_id == source_id)
    return [_run_view(run) for run in session.scalars(query)]


def list_quarantine(session: Session, source_id: int) -> list[QuarantineView]:
    """Return the records of a source that are held back, with their problems."""
    get_source(session, source_id)
    rows = session.scalars(
        select(HarvestQuarantine)
        .where(HarvestQuarantine.source_id == source_id)
        .order_by(HarvestQuarantine.remote_id)
    )
    return [QuarantineView(q.source_id, q.remote_id, q.fetched_at, list(q.problems)) for q in rows]
