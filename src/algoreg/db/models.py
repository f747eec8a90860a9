"""SQLAlchemy models: the register's tables. Migrations live in ``algoreg/db/migrations``."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
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
    __table_args__ = (
        # The public list's order (and its cursor); the columns the facet counts group by.
        Index("ix_search_entry_name_algorithm", "name", "algorithm_id"),
        Index(
            "ix_search_entry_facets",
            "organisation_id",
            "status",
            "publication_category",
            "has_impact_assessment",
        ),
    )

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
    #: Lets rows of other tables refer to a report together with its algorithm (same-algorithm links).
    __table_args__ = (Index("uq_bias_report_id_algorithm_id", "id", "algorithm_id", unique=True),)

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


# --- instruments: imported questionnaire definitions and assessments answered with them ----------


class StoredInstrument(Base):
    """An imported questionnaire definition, stored as JSON in our own model's form.

    ``organisation_id`` is None for an instrument every organisation may use. ``key`` and
    ``version`` are the definition's id and version; ``digest`` is the SHA-256 of its canonical
    JSON. ``register_assessment_title`` (when set) is the title a signed-off assessment gets in
    the algorithm's ``impacttoetsen_grouping``; ``signing_roles`` are the instrument roles whose
    participants may sign off (empty: the organisation's publishers and admins).
    """

    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(500))
    source_format: Mapped[str] = mapped_column(String(32))
    source_name: Mapped[str] = mapped_column(String(500))
    digest: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    register_assessment_title: Mapped[str | None] = mapped_column(String(500))
    signing_roles: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    notes: Mapped[list[dict[str, Any]]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation | None] = relationship()


class Assessment(Base):
    """An assessment of an algorithm with an instrument, whose definition is copied in when it starts.

    ``state`` is ``open``, ``signed_off`` or ``reopened``; ``round`` counts from 1 and goes up by one
    at every reopening. The answers are rows of :class:`AssessmentAnswer`, never updated.
    """

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    instrument_key: Mapped[str] = mapped_column(String(200))
    instrument_version: Mapped[str] = mapped_column(String(100))
    instrument_digest: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    definition: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    register_assessment_title: Mapped[str | None] = mapped_column(String(500))
    signing_roles: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    state: Mapped[str] = mapped_column(String(16), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    algorithm: Mapped[Algorithm] = relationship()


class AssessmentParticipant(Base):
    """A person taking part in an assessment in one of the instrument's roles."""

    __tablename__ = "assessment_participant"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(200))

    user: Mapped[User] = relationship()


class AssessmentAnswer(Base):
    """One answer given to a question (or a repeatable group) of an assessment; never updated.

    The newest row per ``question_id`` is the current answer; ``value`` null means it was cleared.
    """

    __tablename__ = "assessment_answer"
    __table_args__ = (Index("ix_assessment_answer_question", "assessment_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JsonDocument, nullable=True)
    round: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class AssessmentSignOff(Base):
    """The sign-off of one round of an assessment: who, when, in which role, and the answers signed.

    ``answers`` is the set of answers as signed; ``register_link`` and ``register_version`` say which
    link was put in the algorithm's ``impacttoetsen_grouping`` and in which version (if any).
    A reopening of the round fills ``reopened_at``, ``reopened_by`` and ``reopen_reason``.
    """

    __tablename__ = "assessment_sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_as: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    register_link: Mapped[str | None] = mapped_column(String(500))
    register_version: Mapped[int | None] = mapped_column(Integer)
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reopened_by: Mapped[str | None] = mapped_column(String(200))
    reopen_reason: Mapped[str | None] = mapped_column(Text)


# --- inventory: request campaigns ("uitvraag") ------------------------------------------------


class Campaign(Base):
    """A request campaign that a central organisation runs among other organisations.

    ``state`` is ``draft`` (being prepared, invisible to the targets), ``open`` or ``closed``. The
    actions asked per algorithm are :class:`CampaignAction` rows; the organisations asked are
    :class:`CampaignTarget` rows.
    """

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(320))
    deadline: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    organisation: Mapped[Organisation] = relationship()


class CampaignAction(Base):
    """One action a campaign asks for every algorithm in scope.

    ``kind`` says how its state is known: ``assessment`` from the algorithm's assessments with one of
    ``instrument_keys``, ``register`` from the algorithm's publication, ``manual`` from what the
    organisation reports (:class:`CampaignActionReport`). ``deadline`` overrides the campaign's.
    """

    __tablename__ = "campaign_action"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    instrument_keys: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CampaignTarget(Base):
    """An organisation asked by a campaign; ``declared_at`` is when it said its list is complete."""

    __tablename__ = "campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    declared_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    declared_by: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship()


class CampaignAlgorithm(Base):
    """An algorithm that an asked organisation put in the campaign's scope, with its human-rights risks."""

    __tablename__ = "campaign_algorithm"
    __table_args__ = (UniqueConstraint("target_id", "algorithm_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("campaign_target.id", ondelete="CASCADE"), index=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    human_rights_risks: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    added_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    algorithm: Mapped[Algorithm] = relationship()


class CampaignActionReport(Base):
    """What an organisation reports of a ``manual`` action for one algorithm; the newest row counts."""

    __tablename__ = "campaign_action_report"
    __table_args__ = (Index("ix_campaign_action_report_item", "campaign_algorithm_id", "action_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_algorithm_id: Mapped[int] = mapped_column(
        ForeignKey("campaign_algorithm.id", ondelete="CASCADE")
    )
    action_id: Mapped[int] = mapped_column(ForeignKey("campaign_action.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    reported_by: Mapped[str] = mapped_column(String(200))


class SupportRequest(Base):
    """A request for support with an asked action: expertise and/or budget, granted or declined."""

    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("campaign_target.id", ondelete="CASCADE"), index=True)
    campaign_algorithm_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_algorithm.id", ondelete="SET NULL")
    )
    expertise: Mapped[bool] = mapped_column(Boolean, default=False)
    budget_euros: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class CampaignReminder(Base):
    """A reminder before a deadline, recorded whether or not it could be e-mailed; one per occasion."""

    __tablename__ = "campaign_reminder"
    __table_args__ = (UniqueConstraint("target_id", "deadline", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("campaign_target.id", ondelete="CASCADE"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    days_before: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str | None] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


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


# --- the implementation framework: AI Act profiles and framework tasks per algorithm -------------


class FrameworkDefinition(Base):
    """An imported definition the framework tasks work from; the newest of each ``kind`` is current.

    ``kind`` is ``task_registry`` (the requirements, measures, phases and roles as the framework
    model's JSON), ``decision_tree`` (the AI Act decision aid's tree as its file holds it) or
    ``audit`` (the ADR/Rekenkamer audit items with the measure mapping, if one was given). ``digest``
    is the SHA-256 of the content's canonical JSON: importing the same content again adds no row.
    """

    __tablename__ = "framework"
    __table_args__ = (UniqueConstraint("kind", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))


class AiActProfileRecord(Base):
    """One run of the AI Act decision aid for an algorithm: the answers, the outcome, the tree used.

    Never updated: a new run adds a row, and the newest row (highest id) is the algorithm's current
    profile. ``profile`` is the outcome by label family (role, risk group, transparency obligations,
    systemic risk, open source, …) with the conclusion; ``proposed_category`` the publication category
    it proposes, spelled as the standard spells it.
    """

    __tablename__ = "ai_act_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    answers: Mapped[list[Any]] = mapped_column(JsonDocument)
    conclusion_id: Mapped[str] = mapped_column(String(32))
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    proposed_category: Mapped[str] = mapped_column(String(64))
    tree_name: Mapped[str] = mapped_column(String(200))
    tree_version: Mapped[str] = mapped_column(String(64))
    tree_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class OwnMeasure(Base):
    """A measure an organisation adds to the framework's own, for its algorithms to take on as tasks."""

    __tablename__ = "own_measure"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phases: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class OwnInstrument(Base):
    """An instrument an organisation adds to the public catalogue beside the Algoritmekader's.

    ``slug`` is its stable id within the organisation; an instrument is retired (``retired_at``),
    never deleted, and its slug stays taken.
    """

    __tablename__ = "own_instrument"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    phases: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    topics: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    roles: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    requirement_refs: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    measure_refs: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    retired_by: Mapped[str | None] = mapped_column(String(200))


class FrameworkTask(Base):
    """What an algorithm does about one measure (the framework's, or its organisation's own).

    ``in_scope`` says whether the measure still follows from the algorithm's current AI Act profile;
    a task that no longer does is kept with its history and marked so, never deleted. ``status``
    ``not_applicable`` always has a ``reason``. The people are user accounts of the organisation.
    """

    __tablename__ = "framework_task"
    __table_args__ = (
        UniqueConstraint("algorithm_id", "measure_id"),
        UniqueConstraint("algorithm_id", "own_measure_id", name="uq_framework_task_algorithm_own_measure"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    measure_id: Mapped[str | None] = mapped_column(String(200))
    own_measure_id: Mapped[int | None] = mapped_column(ForeignKey("own_measure.id", ondelete="CASCADE"))
    phases: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    requirement_ids: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    responsible_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewer_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    accountable_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    own_measure: Mapped[OwnMeasure | None] = relationship()


class FrameworkTaskEvidence(Base):
    """Evidence for a task: a link, or a small uploaded file kept in the database, with a description."""

    __tablename__ = "framework_task_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("framework_task.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class FrameworkTaskEvent(Base):
    """One change of a task (created, status, people, scope, evidence): who, when, what changed."""

    __tablename__ = "framework_task_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("framework_task.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


# --- the non-discrimination-by-design checklist per algorithm ------------------------------------


class ChecklistAnswerRecord(Base):
    """An algorithm's answer to one item of a checklist (``checklist_id`` and ``item_id`` are the
    definition's ids): its state, a note (required with ``not_applicable``), who answered last and when.

    An item without a row is ``open``. Rows are never deleted; their changes are in
    :class:`ChecklistAnswerEvent`.
    """

    __tablename__ = "checklist_answer"
    __table_args__ = (
        UniqueConstraint("algorithm_id", "checklist_id", "item_id"),
        UniqueConstraint("id", "algorithm_id", name="uq_checklist_answer_id_algorithm_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithm.id", ondelete="CASCADE"), index=True)
    checklist_id: Mapped[str] = mapped_column(String(200))
    item_id: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))


class ChecklistAnswerBiasReport(Base):
    """A bias report linked to a checklist answer as evidence.

    Both foreign keys carry the algorithm's id, so the database itself holds that a report can only be
    linked to an answer of the same algorithm.
    """

    __tablename__ = "checklist_answer_bias_report"
    __table_args__ = (
        ForeignKeyConstraint(
            ["answer_id", "algorithm_id"],
            ["checklist_answer.id", "checklist_answer.algorithm_id"],
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["bias_report_id", "algorithm_id"],
            ["bias_report.id", "bias_report.algorithm_id"],
            ondelete="CASCADE",
        ),
    )

    answer_id: Mapped[int] = mapped_column(primary_key=True)
    bias_report_id: Mapped[int] = mapped_column(primary_key=True, index=True)
    algorithm_id: Mapped[int] = mapped_column(Integer)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    linked_by: Mapped[str] = mapped_column(String(200))


class ChecklistAnswerEvent(Base):
    """One change of a checklist answer (state, note, linked reports): who, when, what changed."""

    __tablename__ = "checklist_answer_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("checklist_answer.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)


# --- login rate limiting ---------------------------------------------------------------------------


class LoginAttempt(Base):
    """One login attempt that did not sign in: ``failed`` (wrong credentials) or ``refused`` (throttled).

    Shared by every app process through the database, so that limits hold across processes.
    ``username`` is stored folded (stripped, lower case); ``address`` is the client's IP address.
    Rows older than the window are pruned; nothing else refers to them.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    username: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))


# --- inventory: uses of origin-related personal data, their determination and remediation ----------


class OriginDataUse(Base):
    """One use of origin-related personal data by an organisation, in an algorithm or a named system.

    ``data_kind`` is one of the kinds of :class:`algoreg.inventory.origin_uses.DataKind`;
    ``data_detail`` says more (required for ``other``). ``status`` is ``proposed`` (by a scan, not yet
    confirmed), ``confirmed`` or ``dismissed``. ``column_key`` is the folded column name with the
    system (algorithm id or folded system name): unique per organisation, so that one column of one
    system is inventoried once. ``determination`` copies the newest :class:`OriginDetermination`.
    """

    __tablename__ = "origin_data_use"
    __table_args__ = (UniqueConstraint("organisation_id", "column_key", name="uq_origin_data_use_column"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    data_kind: Mapped[str] = mapped_column(String(32))
    data_detail: Mapped[str] = mapped_column(Text, default="")
    algorithm_id: Mapped[int | None] = mapped_column(
        ForeignKey("algorithm.id", ondelete="SET NULL"), index=True
    )
    system_name: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16))
    dataset_name: Mapped[str] = mapped_column(String(300), default="")
    column_name: Mapped[str] = mapped_column(String(200), default="")
    column_key: Mapped[str | None] = mapped_column(String(500))
    scan_reasons: Mapped[list[str]] = mapped_column(JsonDocument, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    determination: Mapped[str | None] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    algorithm: Mapped[Algorithm | None] = relationship()


class OriginDetermination(Base):
    """A determination of a use: lawful, unlawful or improper, with reasoning; never updated.

    The newest row (highest id) is the current one; earlier rows are the history of re-determinations.
    ``decided_by`` and ``decided_on`` are who decided and when, as recorded by ``recorded_by``.
    """

    __tablename__ = "origin_determination"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(ForeignKey("origin_data_use.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reasoning: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class OriginRemediation(Base):
    """The remediation case of an unlawful or improper use: ``open`` or ``closed``, one per use."""

    __tablename__ = "origin_remediation"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(ForeignKey("origin_data_use.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    reopen_reason: Mapped[str | None] = mapped_column(Text)


class OriginRemediationStep(Base):
    """One of the three steps of a case (use ended, people informed, data cleaned) and its state.

    The step's own facts: how many people were informed and how (``people_informed``); which data
    sets were cleaned, how many records were removed or corrected and how that was verified
    (``data_cleaned``). ``note`` holds how the use was ended, or anything else worth saying.
    """

    __tablename__ = "origin_remediation_step"
    __table_args__ = (UniqueConstraint("case_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("origin_remediation.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(200), default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    people_count: Mapped[int | None] = mapped_column(Integer)
    inform_method: Mapped[str] = mapped_column(Text, default="")
    datasets: Mapped[str] = mapped_column(Text, default="")
    records_removed: Mapped[int | None] = mapped_column(Integer)
    records_corrected: Mapped[int | None] = mapped_column(Integer)
    verification: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OriginRemediationEvidence(Base):
    """Evidence for a remediation step: a link, or a small file kept in the database; never changed."""

    __tablename__ = "origin_remediation_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(
        ForeignKey("origin_remediation_step.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    url: Mapped[str | None] = mapped_column(String(2000))
    file_name: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class OriginInventoryEvent(Base):
    """One change of a use or its remediation: who, when, which action, what changed; never updated."""

    __tablename__ = "origin_inventory_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(ForeignKey("origin_data_use.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JsonDocument, default=dict)
