"""origin inventory: uses of origin-related personal data, determinations, remediation and history

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "origin_data_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("data_kind", sa.String(length=32), nullable=False),
        sa.Column("data_detail", sa.Text(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=True),
        sa.Column("system_name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("dataset_name", sa.String(length=300), nullable=False),
        sa.Column("column_name", sa.String(length=200), nullable=False),
        sa.Column("column_key", sa.String(length=500), nullable=True),
        sa.Column("scan_reasons", _JSON, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("determination", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_origin_data_use_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_origin_data_use_algorithm_id_algorithm"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_data_use")),
        sa.UniqueConstraint("organisation_id", "column_key", name="uq_origin_data_use_column"),
    )
    with op.batch_alter_table("origin_data_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_data_use_organisation_id"), ["organisation_id"])
        batch_op.create_index(batch_op.f("ix_origin_data_use_algorithm_id"), ["algorithm_id"])
        batch_op.create_index(batch_op.f("ix_origin_data_use_status"), ["status"])
        batch_op.create_index(batch_op.f("ix_origin_data_use_determination"), ["determination"])

    op.create_table(
        "origin_determination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["origin_data_use.id"],
            name=op.f("fk_origin_determination_use_id_origin_data_use"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_determination")),
    )
    with op.batch_alter_table("origin_determination", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_determination_use_id"), ["use_id"])

    op.create_table(
        "origin_remediation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["origin_data_use.id"],
            name=op.f("fk_origin_remediation_use_id_origin_data_use"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_remediation")),
        sa.UniqueConstraint("use_id", name=op.f("uq_origin_remediation_use_id")),
    )
    with op.batch_alter_table("origin_remediation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_remediation_state"), ["state"])

    op.create_table(
        "origin_remediation_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=True),
        sa.Column("inform_method", sa.Text(), nullable=False),
        sa.Column("datasets", sa.Text(), nullable=False),
        sa.Column("records_removed", sa.Integer(), nullable=True),
        sa.Column("records_corrected", sa.Integer(), nullable=True),
        sa.Column("verification", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["origin_remediation.id"],
            name=op.f("fk_origin_remediation_step_case_id_origin_remediation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_remediation_step")),
        sa.UniqueConstraint("case_id", "step", name=op.f("uq_origin_remediation_step_case_id")),
    )

    op.create_table(
        "origin_remediation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=200), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["origin_remediation_step.id"],
            name=op.f("fk_origin_remediation_evidence_step_id_origin_remediation_step"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_remediation_evidence")),
    )
    with op.batch_alter_table("origin_remediation_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_remediation_evidence_step_id"), ["step_id"])

    op.create_table(
        "origin_inventory_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("use_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["origin_data_use.id"],
            name=op.f("fk_origin_inventory_event_use_id_origin_data_use"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_origin_inventory_event")),
    )
    with op.batch_alter_table("origin_inventory_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_origin_inventory_event_use_id"), ["use_id"])


def downgrade() -> None:
    with op.batch_alter_table("origin_inventory_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_inventory_event_use_id"))
    op.drop_table("origin_inventory_event")
    with op.batch_alter_table("origin_remediation_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_remediation_evidence_step_id"))
    op.drop_table("origin_remediation_evidence")
    op.drop_table("origin_remediation_step")
    with op.batch_alter_table("origin_remediation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_remediation_state"))
    op.drop_table("origin_remediation")
    with op.batch_alter_table("origin_determination", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_determination_use_id"))
    op.drop_table("origin_determination")
    with op.batch_alter_table("origin_data_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_origin_data_use_determination"))
        batch_op.drop_index(batch_op.f("ix_origin_data_use_status"))
        batch_op.drop_index(batch_op.f("ix_origin_data_use_algorithm_id"))
        batch_op.drop_index(batch_op.f("ix_origin_data_use_organisation_id"))
    op.drop_table("origin_data_use")
