"""harvest schedule per source: at most once per so many minutes, and when it is next due

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from algoreg.db.models import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("harvest_source", sa.Column("every_minutes", sa.Integer(), nullable=True))
    op.add_column("harvest_source", sa.Column("next_due_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("harvest_source") as batch:
        batch.drop_column("next_due_at")
        batch.drop_column("every_minutes")
