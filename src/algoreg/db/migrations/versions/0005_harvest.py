"""harvest: sources, identities, provenance, quarantine and run reports of the harvester

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JsonDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "harvest_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation_code", sa.String(length=64), nullable=True),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column("organisation_kind", sa.String(length=32), nullable=True),
        sa.Column("all_categories", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("last_entry_hash", sa.String(length=64), nullable=True),
        sa.Column("resync_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("unhealthy", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_source")),
    )
    with op.batch_alter_table("harvest_source", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_source_lease_until"), ["lease_until"], unique=False)

    op.create_table(
        "harvest_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"], ["algorithm.id"], name=op.f("fk_harvest_item_algorithm_id_algorithm")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_item_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_item")),
        sa.UniqueConstraint("algorithm_id", name=op.f("uq_harvest_item_algorithm_id")),
        sa.UniqueConstraint("source_id", "remote_id", name=op.f("uq_harvest_item_source_id")),
    )

    op.create_table(
        "harvest_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("remote_version", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"], ["algorithm.id"], name=op.f("fk_harvest_version_algorithm_id_algorithm")
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_version_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_version")),
        sa.UniqueConstraint("algorithm_id", "version_number", name=op.f("uq_harvest_version_algorithm_id")),
    )
    with op.batch_alter_table("harvest_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_harvest_version_source_id"), ["source_id"], unique=False)

    op.create_table(
        "harvest_quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("remote_id", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("problems", JsonDocument, nullable=False),
        sa.Column("record", JsonDocument, nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_quarantine_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_quarantine")),
        sa.UniqueConstraint("source_id", "remote_id", name=op.f("uq_harvest_quarantine_source_id")),
    )

    op.create_table(
        "harvest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("cursor_before", sa.Integer(), nullable=True),
        sa.Column("cursor_after", sa.Integer(), nullable=True),
        sa.Column("errors", JsonDocument, nullable=False),
        sa.Column("notes", JsonDocument, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["harvest_source.id"],
            name=op.f("fk_harvest_run_source_id_harvest_source"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_harvest_run")),
    )
    with op.batch_alter_table("harvest_run", schema=None) as batch_op:
        batch_op.create_index("ix_harvest_run_source_started", ["source_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("harvest_run", schema=None) as batch_op:
        batch_op.drop_index("ix_harvest_run_source_started")
    op.drop_table("harvest_run")
    op.drop_table("harvest_quarantine")
    with op.batch_alter_table("harvest_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_version_source_id"))
    op.drop_table("harvest_version")
    op.drop_table("harvest_item")
    with op.batch_alter_table("harvest_source", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_harvest_source_lease_until"))
    op.drop_table("harvest_source")
