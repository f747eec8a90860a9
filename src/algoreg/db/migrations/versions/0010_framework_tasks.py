"""framework tasks: imported framework definitions, AI Act profiles, own measures, tasks, evidence, events

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 10:00:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "framework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("content", _JSON, nullable=False),
        _moment("imported_at"),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework")),
        sa.UniqueConstraint("kind", "digest", name=op.f("uq_framework_kind")),
    )
    op.create_index(op.f("ix_framework_kind"), "framework", ["kind"], unique=False)

    op.create_table(
        "ai_act_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("conclusion_id", sa.String(length=32), nullable=False),
        sa.Column("profile", _JSON, nullable=False),
        sa.Column("proposed_category", sa.String(length=64), nullable=False),
        sa.Column("tree_name", sa.String(length=200), nullable=False),
        sa.Column("tree_version", sa.String(length=64), nullable=False),
        sa.Column("tree_digest", sa.String(length=64), nullable=False),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_ai_act_profile_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_act_profile")),
    )
    op.create_index(op.f("ix_ai_act_profile_algorithm_id"), "ai_act_profile", ["algorithm_id"], unique=False)

    op.create_table(
        "own_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("phases", _JSON, nullable=False),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_own_measure_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_measure")),
        sa.UniqueConstraint("organisation_id", "code", name=op.f("uq_own_measure_organisation_id")),
    )
    op.create_index(op.f("ix_own_measure_organisation_id"), "own_measure", ["organisation_id"], unique=False)

    op.create_table(
        "framework_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(length=200), nullable=True),
        sa.Column("own_measure_id", sa.Integer(), nullable=True),
        sa.Column("phases", _JSON, nullable=False),
        sa.Column("requirement_ids", _JSON, nullable=False),
        sa.Column("in_scope", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("reviewer_user_id", sa.Integer(), nullable=True),
        sa.Column("accountable_user_id", sa.Integer(), nullable=True),
        _moment("created_at"),
        _moment("updated_at"),
        sa.ForeignKeyConstraint(
            ["algorithm_id"],
            ["algorithm.id"],
            name=op.f("fk_framework_task_algorithm_id_algorithm"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["own_measure_id"],
            ["own_measure.id"],
            name=op.f("fk_framework_task_own_measure_id_own_measure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"],
            ["user_account.id"],
            name=op.f("fk_framework_task_responsible_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_user_id"],
            ["user_account.id"],
            name=op.f("fk_framework_task_reviewer_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["accountable_user_id"],
            ["user_account.id"],
            name=op.f("fk_framework_task_accountable_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_task")),
        sa.UniqueConstraint("algorithm_id", "measure_id", name=op.f("uq_framework_task_algorithm_id")),
        sa.UniqueConstraint("algorithm_id", "own_measure_id", name="uq_framework_task_algorithm_own_measure"),
    )
    op.create_index(op.f("ix_framework_task_algorithm_id"), "framework_task", ["algorithm_id"], unique=False)

    op.create_table(
        "framework_task_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("media_type", sa.String(length=200), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["framework_task.id"],
            name=op.f("fk_framework_task_evidence_task_id_framework_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_task_evidence")),
    )
    op.create_index(
        op.f("ix_framework_task_evidence_task_id"), "framework_task_evidence", ["task_id"], unique=False
    )

    op.create_table(
        "framework_task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        _moment("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["framework_task.id"],
            name=op.f("fk_framework_task_event_task_id_framework_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_task_event")),
    )
    op.create_index(
        op.f("ix_framework_task_event_task_id"), "framework_task_event", ["task_id"], unique=False
    )


def downgrade() -> None:
    for table in ("framework_task_event", "framework_task_evidence"):
        op.drop_index(op.f(f"ix_{table}_task_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_framework_task_algorithm_id"), table_name="framework_task")
    op.drop_table("framework_task")
    op.drop_index(op.f("ix_own_measure_organisation_id"), table_name="own_measure")
    op.drop_table("own_measure")
    op.drop_index(op.f("ix_ai_act_profile_algorithm_id"), table_name="ai_act_profile")
    op.drop_table("ai_act_profile")
    op.drop_index(op.f("ix_framework_kind"), table_name="framework")
    op.drop_table("framework")
