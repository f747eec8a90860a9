"""Response bodies of the JSON API."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from algoreg.register.algorithms import AlgorithmView, PublicAlgorithm, VersionView
from algoreg.register.diff import FieldChange
from algoreg.register.workflow import Action, State


class OrganisationRef(BaseModel):
    """Which organisation something belongs to."""

    code: str
    name: str


class SourceOut(BaseModel):
    """For a harvested algorithm: the register it came from and how fresh it is."""

    url: str
    remote_id: str
    fetched_at: datetime = Field(description="When its newest version was harvested.")
    checked_at: datetime | None = Field(description="The source's last successful harvest.")
    healthy: bool


class PublicAlgorithmOut(BaseModel):
    """A published algorithm: its stable id, organisation, published version and the record."""

    id: str = Field(description="Stable id of the algorithm (the standard's 'lars').")
    organisation: OrganisationRef
    version: int
    published_at: datetime
    record: dict[str, Any] = Field(description="The description in publication standard 1.0.")
    source: SourceOut | None = Field(
        default=None, description="Set on a single algorithm that was harvested from another register."
    )

    @classmethod
    def of(cls, item: PublicAlgorithm) -> "PublicAlgorithmOut":
        """Build the response body of a published algorithm."""
        return cls(
            id=item.public_id,
            organisation=OrganisationRef(code=item.organisation_code, name=item.organisation_name),
            version=item.version_number,
            published_at=item.published_at,
            record=item.record,
        )


class PublicPageOut(BaseModel):
    """A page of published algorithms."""

    items: list[PublicAlgorithmOut]
    total: int
    offset: int
    limit: int
    next_after: str | None = Field(
        default=None,
        description="Ask for the next page with after=this value; null on the last page.",
    )


class VersionOut(BaseModel):
    """One version of a description."""

    number: int
    created_at: datetime
    created_by: str
    published_at: datetime | None
    record: dict[str, Any]

    @classmethod
    def of(cls, version: VersionView) -> "VersionOut":
        """Build the response body of a version."""
        return cls(
            number=version.number,
            created_at=version.created_at,
            created_by=version.created_by,
            published_at=version.published_at,
            record=version.record,
        )


class ManagedAlgorithmOut(BaseModel):
    """An algorithm as its organisation sees it, with workflow state and the lock for editing."""

    id: str
    organisation: OrganisationRef
    state: State
    lock_version: int = Field(
        description="Send it back in If-Match when editing; it changes with every write."
    )
    is_public: bool
    public_version: int | None
    allowed_actions: list[Action]
    latest: VersionOut
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: AlgorithmView) -> "ManagedAlgorithmOut":
        """Build the response body of a managed algorithm."""
        return cls(
            id=view.public_id,
            organisation=OrganisationRef(code=view.organisation_code, name=view.organisation_name),
            state=view.state,
            lock_version=view.lock_version,
            is_public=view.is_public,
            public_version=view.public_version_number,
            allowed_actions=view.allowed_actions,
            latest=VersionOut.of(view.latest),
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class SegmentOut(BaseModel):
    """A run of words in a difference."""

    kind: str
    text: str


class FieldChangeOut(BaseModel):
    """How one field changed."""

    field: str
    kind: str
    before: Any
    after: Any
    segments: list[SegmentOut]

    @classmethod
    def of(cls, change: FieldChange) -> "FieldChangeOut":
        """Build the response body of a field change."""
        return cls(
            field=change.field,
            kind=change.kind.value,
            before=change.before,
            after=change.after,
            segments=[SegmentOut(kind=s.kind.value, text=s.text) for s in change.segments],
        )


class DiffOut(BaseModel):
    """The difference between two versions."""

    from_version: int
    to_version: int
    changes: list[FieldChangeOut]


class AuditEventOut(BaseModel):
    """One entry of the audit log."""

    at: datetime
    actor: str
    action: str
    version: int | None
    summary: str


class ImportReportOut(BaseModel):
    """What an import did."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]
    published: list[str]
    errors: list[dict[str, Any]]
