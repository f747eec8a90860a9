"""assessments: imported instruments, assessments of algorithms, participants, answers, sign-offs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:40:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _cascade(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("source_format", sa.String(length=32), nullable=False),
        sa.Column("source_name", sa.String(length=500), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("definition", _JSON, nullable=False),
        sa.Column("register_assessment_title", sa.String(length=500), nullable=True),
        sa.Column("signing_roles", _JSON, nullable=False),
        sa.Column("notes", _JSON, nullable=False),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _cascade("instrument", "organisation_id", "organisation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instrument")),
    )
    op.create_index(op.f("ix_instrument_organisation_id"), "instrument", ["organisation_id"], unique=False)
    op.create_index(op.f("ix_instrument_key"), "instrument", ["key"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("instrument_key", sa.String(length=200), nullable=False),
        sa.Column("instrument_version", sa.String(length=100), nullable=False),
        sa.Column("instrument_digest", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("definition", _JSON, nullable=False),
        sa.Column("register_assessment_title", sa.String(length=500), nullable=True),
        sa.Column("signing_roles", _JSON, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _moment("updated_at"),
        _cascade("assessment", "algorithm_id", "algorithm"),
        sa.ForeignKeyConstraint(
            ["instrument_id"], ["instrument.id"], name=op.f("fk_assessment_instrument_id_instrument")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(op.f("ix_assessment_algorithm_id"), "assessment", ["algorithm_id"], unique=False)
    op.create_index(op.f("ix_assessment_instrument_id"), "assessment", ["instrument_id"], unique=False)
    op.create_index(op.f("ix_assessment_state"), "assessment", ["state"], unique=False)

    op.create_table(
        "assessment_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        _moment("added_at"),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        _cascade("assessment_participant", "assessment_id", "assessment"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_participant_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_participant")),
        sa.UniqueConstraint(
            "assessment_id", "user_id", "role", name=op.f("uq_assessment_participant_assessment_id")
        ),
    )
    op.create_index(
        op.f("ix_assessment_participant_assessment_id"),
        "assessment_participant",
        ["assessment_id"],
        unique=False,
    )

    op.create_table(
        "assessment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=200), nullable=False),
        sa.Column("value", _JSON, nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        _moment("answered_at"),
        _cascade("assessment_answer", "assessment_id", "assessment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_answer")),
    )
    op.create_index(
        "ix_assessment_answer_question", "assessment_answer", ["assessment_id", "question_id"], unique=False
    )

    op.create_table(
        "assessment_sign_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("signed_by", sa.String(length=200), nullable=False),
        sa.Column("signed_as", sa.String(length=200), nullable=False),
        _moment("signed_at"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("register_link", sa.String(length=500), nullable=True),
        sa.Column("register_version", sa.Integer(), nullable=True),
        _moment("reopened_at", nullable=True),
        sa.Column("reopened_by", sa.String(length=200), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        _cascade("assessment_sign_off", "assessment_id", "assessment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_sign_off")),
    )
    op.create_index(
        op.f("ix_assessment_sign_off_assessment_id"), "assessment_sign_off", ["assessment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_assessment_sign_off_assessment_id"), table_name="assessment_sign_off")
    op.drop_table("assessment_sign_off")
    op.drop_index("ix_assessment_answer_question", table_name="assessment_answer")
    op.drop_table("assessment_answer")
    op.drop_index(op.f("ix_assessment_participant_assessment_id"), table_name="assessment_participant")
    op.drop_table("assessment_participant")
    op.drop_index(op.f("ix_assessment_state"), table_name="assessment")
    op.drop_index(op.f("ix_assessment_instrument_id"), table_name="assessment")
    op.drop_index(op.f("ix_assessment_algorithm_id"), table_name="assessment")
    op.drop_table("assessment")
    op.drop_index(op.f("ix_instrument_key"), table_name="instrument")
    op.drop_index(op.f("ix_instrument_organisation_id"), table_name="instrument")
    op.drop_table("instrument")
