"""bias reports: bias analyses attached to algorithms, as drafts or published

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bias_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("period", sa.String(length=300), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("document_bytes", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("analysed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comparisons", sa.Integer(), nullable=False),
        sa.Column("disparity_found", sa.Integer(), nullable=False),
        sa.Column("no_disparity_beyond_tolerance", sa.Integer(), nullable=False),
        sa.Column("inconclusive", sa.Integer(), nullable=False),
        sa.Column("too_few_cases", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_bias_report_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bias_report")),
    )
    with op.batch_alter_table("bias_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bias_report_algorithm_id"), ["algorithm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bias_report_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_bias_report_published_at"), ["published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bias_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bias_report_published_at"))
        batch_op.drop_index(batch_op.f("ix_bias_report_state"))
        batch_op.drop_index(batch_op.f("ix_bias_report_algorithm_id"))
    op.drop_table("bias_report")
