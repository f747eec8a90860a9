"""checklist_answers: non-discrimination-by-design checklist answers per algorithm, linked to bias reports

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOMENT = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # a report can be referred to together with its algorithm, so that links stay within one algorithm
    op.create_index("uq_bias_report_id_algorithm_id", "bias_report", ["id", "algorithm_id"], unique=True)

    op.create_table(
        "checklist_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.String(length=200), nullable=False),
        sa.Column("item_id", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("updated_at", _MOMENT, nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_checklist_answer_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_answer")),
        sa.UniqueConstraint(
            "algorithm_id", "checklist_id", "item_id", name=op.f("uq_checklist_answer_algorithm_id")
        ),
        sa.UniqueConstraint("id", "algorithm_id", name="uq_checklist_answer_id_algorithm_id"),
    )
    with op.batch_alter_table("checklist_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_answer_algorithm_id"), ["algorithm_id"], unique=False)

    op.create_table(
        "checklist_answer_bias_report",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("bias_report_id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", _MOMENT, nullable=False),
        sa.Column("linked_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id", "algorithm_id"],
            ["checklist_answer.id", "checklist_answer.algorithm_id"],
            name=op.f("fk_checklist_answer_bias_report_answer_id_checklist_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["bias_report_id", "algorithm_id"],
            ["bias_report.id", "bias_report.algorithm_id"],
            name=op.f("fk_checklist_answer_bias_report_bias_report_id_bias_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("answer_id", "bias_report_id", name=op.f("pk_checklist_answer_bias_report")),
    )
    with op.batch_alter_table("checklist_answer_bias_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checklist_answer_bias_report_bias_report_id"), ["bias_report_id"], unique=False
        )

    op.create_table(
        "checklist_answer_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("at", _MOMENT, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["checklist_answer.id"],
            name=op.f("fk_checklist_answer_event_answer_id_checklist_answer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_answer_event")),
    )
    with op.batch_alter_table("checklist_answer_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_answer_event_answer_id"), ["answer_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checklist_answer_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_answer_event_answer_id"))
    op.drop_table("checklist_answer_event")
    with op.batch_alter_table("checklist_answer_bias_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_answer_bias_report_bias_report_id"))
    op.drop_table("checklist_answer_bias_report")
    with op.batch_alter_table("checklist_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_answer_algorithm_id"))
    op.drop_table("checklist_answer")
    op.drop_index("uq_bias_report_id_algorithm_id", table_name="bias_report")
