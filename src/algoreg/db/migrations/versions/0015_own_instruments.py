"""own_instruments: an organisation's own instruments in the catalogue

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 12:30:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _moment(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "own_instrument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("categories", _JSON, nullable=False),
        sa.Column("phases", _JSON, nullable=False),
        sa.Column("topics", _JSON, nullable=False),
        sa.Column("roles", _JSON, nullable=False),
        sa.Column("requirement_refs", _JSON, nullable=False),
        sa.Column("measure_refs", _JSON, nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        _moment("created_at"),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        _moment("updated_at"),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        _moment("retired_at", nullable=True),
        sa.Column("retired_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_own_instrument_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_own_instrument")),
        sa.UniqueConstraint("organisation_id", "slug", name=op.f("uq_own_instrument_organisation_id")),
    )
    op.create_index(
        op.f("ix_own_instrument_organisation_id"), "own_instrument", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_own_instrument_retired_at"), "own_instrument", ["retired_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_own_instrument_retired_at"), table_name="own_instrument")
    op.drop_index(op.f("ix_own_instrument_organisation_id"), table_name="own_instrument")
    op.drop_table("own_instrument")
