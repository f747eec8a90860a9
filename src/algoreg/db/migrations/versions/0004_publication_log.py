"""publication log: an append-only, hash-chained record of what the public sees

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 03:19:27.538404
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publication_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("algorithm_id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("organisation_code", sa.String(length=64), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("record_hash", sa.String(length=64), nullable=True),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["algorithm_id"], ["algorithm.id"], name=op.f("fk_publication_entry_algorithm_id_algorithm")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_publication_entry")),
        sa.UniqueConstraint("entry_hash", name=op.f("uq_publication_entry_entry_hash")),
    )
    with op.batch_alter_table("publication_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_entry_algorithm_id"), ["algorithm_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publication_entry_public_id"), ["public_id"], unique=False)

    # Algorithms that are public already start the log, so the chain covers all that is visible.
    from algoreg.register.publication_log import start_log_from_current_state

    with Session(bind=op.get_bind(), join_transaction_mode="create_savepoint") as session:
        start_log_from_current_state(session)


def downgrade() -> None:
    with op.batch_alter_table("publication_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_entry_public_id"))
        batch_op.drop_index(batch_op.f("ix_publication_entry_algorithm_id"))

    op.drop_table("publication_entry")
