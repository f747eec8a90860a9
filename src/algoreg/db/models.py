"""SQLAlchemy models: the register's tables. Migrations live in ``algoreg/db/migrations``."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store every timestamp in UTC."""
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read timestamps as UTC-aware values."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base of all models, with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Organisation(Base):
    """A government organisation that registers algorithms."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    website: Mapped[str | None] = mapped_column(String(500))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)


class User(Base):
    """A person who logs in to manage an organisation's algorithms."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(500))
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Membership(Base):
    """A user's role in one organisation."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A secret for API clients, bound to one organisation and role; only its hash is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    organisation: Mapped[Organisation | None] = relationship()


class Algorithm(Base):
    """An algorithm with a stable identity; its descriptions are immutable versions."""

    __tablename__ = "algorithm"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    latest_version_number: Mapped[int] = mapped_column(Integer, default=1)
    public_version_number: Mapped[int | None] = mapped_column(Integer)
    retracted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state_before_archive: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    versions: Mapped[list["AlgorithmVersion"]] = relationship(
        back_populates="algorithm",
        foreign_keys="AlgorithmVersion.algorithm_id",
        order_by="AlgorithmVersion.number",
    )

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012


class AlgorithmVersion(Base):
    """One immutable description of an algorithm in the publication standard."""

    __tablename__ = "algorithm_version"
    __table_args__ = (UniqueConstraint("algorithm_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    standard_version: Mapped[str] = mapped_column(String(8))
    record: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    # Copies of a few record fields, for filtering and sorting without reading JSON.
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    publication_category: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(200))

    algorithm: Mapped[Algorithm] = relationship(back_populates="versions", foreign_keys=[algorithm_id])


class AuditEvent(Base):
    """Who did what, when: one row per action, never updated."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_algorithm_at", "algorithm_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    algorithm_id: Mapped[int | None] = mapped_column(ForeignKey("algorithm.id", ondelete="SET NULL"))
    version_number: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")


class WebSession(Base):
    """A signed-in browser session; the cookie holds a secret whose hash is stored here."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())

    user: Mapped[User] = relationship()


class InstanceSetting(Base):
    """A value this instance generated for itself and shares between its processes (a signing key)."""

    __tablename__ = "instance_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SearchEntry(Base):
    """A published, visible algorithm as public search sees it: one narrow row per public algorithm.

    A denormalised copy of the public version, kept up to date by the register's workflow
    (``algoreg.register.search_index``); narrow so that counting facets over many rows stays fast.
    Its text lives in :class:`SearchDocument` (and, on SQLite, in the FTS5 table ``search_fts``).
    """

    __tablename__ = "search_entry"

    algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("algorithm.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    public_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    sort_name: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    publication_category: Mapped[str] = mapped_column(String(64), index=True)
    has_impact_assessment: Mapped[bool] = mapped_column(Boolean, index=True)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SearchDocument(Base):
    """The text of a searchable algorithm: its short description and the rest of its text.

    On PostgreSQL the table also has a generated ``tsvector`` column ``search_vector`` (Dutch
    configuration, GIN index) built from the name, ``summary_text`` and ``body_text``; on SQLite
    the stemmed text goes into the FTS5 table ``search_fts`` instead and these two stay empty.
    Both are created by migration 0003 and not mapped, so the model is the same on both engines.
    """

    __tablename__ = "search_document"

    algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("search_entry.algorithm_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str] = mapped_column(String(200))
    description_short: Mapped[str] = mapped_column(Text)
    summary_text: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)


class SearchTheme(Base):
    """A theme (category of the standard) of a searchable algorithm; an algorithm may have several."""

    __tablename__ = "search_theme"

    algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("search_entry.algorithm_id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class SearchAssessment(Base):
    """The title of an impact assessment done for a searchable algorithm."""

    __tablename__ = "search_assessment"

    algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("search_entry.algorithm_id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(500), primary_key=True, index=True)


class PublicationEntry(Base):
    """One step in what the public can see: a version published, or an algorithm withdrawn.

    Entries are appended in commit order with a gapless, increasing ``seq`` (the change feed's
    cursor) and are hash-chained: each ``entry_hash`` covers the entry and the previous hash, so
    rewriting history is detectable. Never updated or deleted.
    """

    __tablename__ = "publication_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(16))
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id"), index=True)
    public_id: Mapped[str] = mapped_column(String(32), index=True)
    organisation_code: Mapped[str] = mapped_column(String(64))
    version_number: Mapped[int | None] = mapped_column(Integer)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class BiasReport(Base):
    """A bias analysis attached to an algorithm: the document as attached, and what lists need of it.

    ``document`` is the JSON text of an ``algoreg-bias/1`` document exactly as it was attached
    (aggregates only; see ``algoreg.bias.document``), ``digest`` its integrity digest. The verdict
    counts are copied from the document's summary so that lists and filters need not read it.
    ``search_text`` is the folded title, description and period that text search looks in.
    The register's own fields (state, who and when) live beside the document, never in it.
    """

    __tablename__ = "bias_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))
    document: Mapped[str] = mapped_column(Text)
    document_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    analysed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    comparisons: Mapped[int] = mapped_column(Integer)
    disparity_found: Mapped[int] = mapped_column(Integer)
    no_disparity_beyond_tolerance: Mapped[int] = mapped_column(Integer)
    inconclusive: Mapped[int] = mapped_column(Integer)
    too_few_cases: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    published_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    algorithm: Mapped[Algorithm] = relationship()


# --- federation: the harvester (central side) -------------------------------------------------


class HarvestSource(Base):
    """A register or file this instance harvests, with its progress, health and lease.

    ``cursor`` is the last feed ``seq`` applied (Algoreg sources); ``etag``/``last_modified`` are
    the validators of the last fetch, sent back as a conditional request. A source that keeps
    failing is marked ``unhealthy`` and kept. ``lease_owner``/``lease_until`` say which worker
    harvests it now; an expired lease may be taken over.
    """

    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    kind: Mapped[str] = mapped_column(String(16))
    organisation_code: Mapped[str | None] = mapped_column(String(64))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_kind: Mapped[str | None] = mapped_column(String(32))
    all_categories: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    last_entry_hash: Mapped[str | None] = mapped_column(String(64))
    resync_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    #: For a delivery-API source: the name of the environment variable that holds its bearer token.
    token_env: Mapped[str | None] = mapped_column(String(100))
    #: Harvest at most once per this many minutes (None: in every run), and when that is next.
    every_minutes: Mapped[int | None] = mapped_column(Integer)
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    unhealthy: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class HarvestItem(Base):
    """The identity of one harvested record: (source, remote id) → the local algorithm."""

    __tablename__ = "harvest_item"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(200))
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id"), unique=True)
    record_hash: Mapped[str | None] = mapped_column(String(64))
    #: What the source says about the record's version (a delivery API's last update time), if anything.
    remote_marker: Mapped[str | None] = mapped_column(String(100))
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class HarvestVersion(Base):
    """Provenance of one harvested version: where and when it was fetched, and its content hash."""

    __tablename__ = "harvest_version"
    __table_args__ = (UniqueConstraint("algorithm_id", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"), index=True)
    remote_id: Mapped[str] = mapped_column(String(200))
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id"))
    version_number: Mapped[int] = mapped_column(Integer)
    record_hash: Mapped[str] = mapped_column(String(64))
    remote_version: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class HarvestQuarantine(Base):
    """A harvested record that could not be taken in, with every reason; the newest per record."""

    __tablename__ = "harvest_quarantine"
    __table_args__ = (UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    remote_id: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument)
    record: Mapped[Any] = mapped_column(JsonDocument, nullable=True)


class HarvestRun(Base):
    """The report of one harvest of one source: what changed, what failed, how long it took."""

    __tablename__ = "harvest_run"
    __table_args__ = (Index("ix_harvest_run_source_started", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    worker: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    cursor_before: Mapped[int | None] = mapped_column(Integer)
    cursor_after: Mapped[int | None] = mapped_column(Integer)
    errors: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    notes: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
