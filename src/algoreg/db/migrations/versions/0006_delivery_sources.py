"""delivery-API harvest sources: a token's environment variable, and a per-record version marker

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("harvest_source", sa.Column("token_env", sa.String(length=100), nullable=True))
    op.add_column("harvest_item", sa.Column("remote_marker", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("harvest_item") as batch:
        batch.drop_column("remote_marker")
    with op.batch_alter_table("harvest_source") as batch:
        batch.drop_column("token_env")
